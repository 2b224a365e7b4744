"""The customer's signed links (tickets/links.py): a page's tracking URLs are signed without Django's Signer on every
ticket, and must be exactly what it signs."""

import pytest
from django.core import signing
from django.test import RequestFactory, override_settings

from tickets.links import TRACKING_SALT, ticket_from_tracking_token, tracking_token, tracking_urls


def _tokens(urls, start):
    return [url.removeprefix(start) for url in urls]


@pytest.mark.parametrize("secret", ["a-secret-key-of-fifty-characters-0123456789-abcdef", "ключ-" * 12])
def test_a_page_signs_each_ticket_exactly_as_the_signer_does(secret):
    pairs = [
        (ticket_id, version) for ticket_id in (1, 2, 9, 10, 99, 12345, 2**31, 2**53 + 1) for version in (0, 1, 7, 300)
    ]
    with override_settings(SECRET_KEY=secret, PUBLIC_BASE_URL=""):
        url = tracking_urls(RequestFactory().get("/", HTTP_HOST="testserver"))
        urls = [url(ticket_id, version) for ticket_id, version in pairs]
        assert _tokens(urls, "http://testserver/track/") == [
            signing.Signer(salt=TRACKING_SALT).sign_object([ticket_id, version]) for ticket_id, version in pairs
        ]
        assert [ticket_from_tracking_token(token) for token in _tokens(urls, "http://testserver/track/")] == pairs
        assert url(5, 3) == "http://testserver/track/" + tracking_token(5, 3)


def test_another_key_gives_another_token():
    with override_settings(SECRET_KEY="first-secret-key-0123456789-abcdefghijklmnopqrstuvw", PUBLIC_BASE_URL=""):
        first = tracking_urls()(5, 3).removeprefix("/track/")
    with override_settings(SECRET_KEY="second-secret-key-0123456789-abcdefghijklmnopqrstuv", PUBLIC_BASE_URL=""):
        second = tracking_urls()(5, 3).removeprefix("/track/")
        assert ticket_from_tracking_token(second) == (5, 3)
        assert ticket_from_tracking_token(first) is None
    assert first.split(":")[0] == second.split(":")[0]  # the same ticket and version; only the signature differs


def test_on_the_public_base_url():
    with override_settings(PUBLIC_BASE_URL="https://shop.example.com"):
        assert tracking_urls()(5, 3) == "https://shop.example.com/track/" + tracking_token(5, 3)


def test_what_is_not_an_int_is_signed_by_the_signer_itself():
    with override_settings(PUBLIC_BASE_URL=""):
        url = tracking_urls()
        for pair in ((True, 1), (5, False), (5.0, 1)):
            assert url(*pair) == "/track/" + signing.Signer(salt=TRACKING_SALT).sign_object(list(pair))
        assert url(5, True) != url(5, 1)  # [5,true] is not [5,1]
