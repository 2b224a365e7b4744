"""What every viewset of the API does (mechanic_shop/api/viewsets.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from model_bakery import baker

from inventory.models import Part

pytestmark = pytest.mark.django_db


def test_a_body_nobody_reads_is_still_json_or_refused(admin_client_api, customer, make_mechanic, make_ticket):
    mechanic = make_mechanic()
    ticket = make_ticket(customer)
    url = reverse("serviceticket-assign-mechanic", args=[ticket.pk, mechanic.pk])
    assert admin_client_api.put(url, "garbage", content_type="text/plain").status_code == 415
    assert admin_client_api.put(url, "{bad json", content_type="application/json").status_code == 400
    assert not ticket.mechanics.exists()
    part = baker.make(Part, price=Decimal("1.00"), quantity_in_stock=1)
    response = admin_client_api.delete(
        reverse("part-detail", args=[part.pk]), "a=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert Part.objects.filter(pk=part.pk).exists()
    # No body: as before.
    assert admin_client_api.put(url).status_code == 200
    assert list(ticket.mechanics.all()) == [mechanic]
