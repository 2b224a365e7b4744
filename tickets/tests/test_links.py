"""The customer's signed links (tickets/links.py): a page's tracking and approval URLs are signed without Django's
Signer on every ticket or estimate, and must be exactly what it signs."""

import pytest
from django.core import signing
from django.test import RequestFactory, override_settings

from tickets.links import (
    ESTIMATE_SALT,
    TRACKING_SALT,
    approval_url,
    approval_urls,
    estimate_id_from_token,
    estimate_token,
    ticket_from_tracking_token,
    tracking_token,
    tracking_urls,
)


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


@pytest.mark.parametrize("secret", ["a-secret-key-of-fifty-characters-0123456789-abcdef", "ключ-" * 12])
def test_a_page_of_estimates_is_signed_exactly_as_the_signer_does(secret):
    ids = [1, 2, 9, 10, 99, 12345, 2**31, 2**53 + 1, 10**30, 0, -5]
    with override_settings(SECRET_KEY=secret, PUBLIC_BASE_URL=""):
        url = approval_urls(RequestFactory().get("/", HTTP_HOST="testserver"))
        tokens = _tokens([url(estimate_id) for estimate_id in ids], "http://testserver/approve/")
        assert tokens == [signing.Signer(salt=ESTIMATE_SALT).sign_object(estimate_id) for estimate_id in ids]
        assert [estimate_id_from_token(token) for token in tokens] == ids
        assert approval_url(5) == "/approve/" + estimate_token(5)


def test_an_estimate_id_that_is_not_an_int_is_signed_by_the_signer_itself():
    with override_settings(PUBLIC_BASE_URL=""):
        url = approval_urls()
        assert url(True) == "/approve/" + signing.Signer(salt=ESTIMATE_SALT).sign_object(True)
        assert url(True) != url(1)
        assert estimate_id_from_token(url(True).removeprefix("/approve/")) is None  # true is no estimate's id


def test_tokens_are_remembered_per_key_and_the_table_is_bounded(monkeypatch):
    from tickets import links

    monkeypatch.setattr(links, "SIGNED_MAX", 5)
    monkeypatch.setattr(links, "_signed", {})
    expected = {}
    for secret in ("first-secret-key-0123456789-abcdefghijklmnopqrstuvw", "second-secret-key-0123456789-abcdefghijk"):
        with override_settings(SECRET_KEY=secret, PUBLIC_BASE_URL=""):
            for _ in range(2):  # the second time, from the table (as long as it holds them)
                url = tracking_urls()
                for ticket_id in range(12):
                    token = url(ticket_id, 1).removeprefix("/track/")
                    assert token == signing.Signer(salt=TRACKING_SALT).sign_object([ticket_id, 1])
                    expected.setdefault(secret, set()).add(token)
    assert len(links._signed) == 2  # one table per key: a token never comes from another key's table
    assert all(len(made) <= 5 for made in links._signed.values())
    assert (
        not expected["first-secret-key-0123456789-abcdefghijklmnopqrstuvw"]
        & expected["second-secret-key-0123456789-abcdefghijk"]
    )
