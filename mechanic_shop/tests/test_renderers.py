from decimal import Decimal

from django.utils.translation import gettext_lazy

from mechanic_shop.renderers import ORJSONRenderer


def test_renders_what_drf_hands_it():
    body = ORJSONRenderer().render({"detail": gettext_lazy("Not found."), "price": Decimal("12.99"), "ids": [1, 2]})
    assert body == b'{"detail":"Not found.","price":"12.99","ids":[1,2]}'


def test_no_data_renders_an_empty_body():
    assert ORJSONRenderer().render(None) == b""
