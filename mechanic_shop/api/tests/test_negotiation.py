"""The negotiation fast path picks exactly what DRF's own negotiation picks."""

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from mechanic_shop.api.negotiation import PLAIN_ACCEPTS, ShopContentNegotiation
from mechanic_shop.api.renderers import ORJSONRenderer


def request_with(accept: str | None, query: str = "") -> Request:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(f"/customers{query}", **headers))


@pytest.mark.parametrize("accept", [None, *sorted(PLAIN_ACCEPTS)])
def test_plain_accepts_pick_what_drf_picks(accept):
    renderers = [ORJSONRenderer()]
    ours = ShopContentNegotiation().select_renderer(request_with(accept), renderers)
    drf = DefaultContentNegotiation().select_renderer(request_with(accept), renderers)
    assert (type(ours[0]), ours[1]) == (type(drf[0]), drf[1]) == (ORJSONRenderer, "application/json")


def test_anything_else_takes_drfs_path():
    from django.http import Http404
    from rest_framework.exceptions import NotAcceptable

    with pytest.raises(NotAcceptable):
        ShopContentNegotiation().select_renderer(request_with("text/html"), [ORJSONRenderer()])
    with pytest.raises(Http404):  # DRF's answer to an unknown ?format=
        ShopContentNegotiation().select_renderer(request_with(None, "?format=xml"), [ORJSONRenderer()])
    renderers = [ORJSONRenderer(), BrowsableAPIRenderer()]
    chosen, media_type = ShopContentNegotiation().select_renderer(request_with("text/html"), renderers)
    assert isinstance(chosen, BrowsableAPIRenderer)
    assert media_type == "text/html"


@pytest.mark.django_db
def test_the_api_answers_406_to_an_accept_it_cannot_serve(admin_client_api):
    response = admin_client_api.get("/customers", HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
