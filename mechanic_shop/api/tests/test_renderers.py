import json
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from mechanic_shop.api.renderers import ORJSONRenderer


def test_renders_the_same_json_as_drf():
    data = {"detail": gettext_lazy("Not found."), "price": Decimal("12.99"), "ids": [1, 2], "next": None}
    body = ORJSONRenderer().render(data)
    assert json.loads(body) == json.loads(JSONRenderer().render(data))
    assert json.loads(body)["detail"] == "Not found."


def test_no_data_renders_an_empty_body():
    assert ORJSONRenderer().render(None) == b""


def test_integer_keys_render_as_strings():
    # DRF keys the errors of a ListField's items by index: {"add_ids": {0: ["..."]}}.
    body = ORJSONRenderer().render({"add_ids": {0: ["A valid integer is required."]}})
    assert json.loads(body) == {"add_ids": {"0": ["A valid integer is required."]}}
