import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["customer-list", "mechanic-list", "part-list", "serviceticket-list"])
def test_a_nul_character_in_search_is_a_400_naming_search(admin_client_api, name):
    response = admin_client_api.get(reverse(name), {"search": "brake\x00pads"})
    assert response.status_code == 400
    assert list(response.json()) == ["search"]
