"""CustomerSerializer builds its read shape directly; it must stay exactly what ModelSerializer would give."""

from datetime import UTC, datetime

import pytest
from rest_framework import serializers

from customers.models import Customer
from customers.serializers import CustomerSerializer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "created_at",
    [datetime(2026, 3, 1, 9, 30, tzinfo=UTC), datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)],
)
def test_fast_representation_equals_the_serializer_fields(make_customer, created_at):
    customer = make_customer(with_login=True, name="Zoë Ñuñez 🚗", phone_number="+1 (555) 010-0199")
    Customer.objects.filter(pk=customer.pk).update(created_at=created_at)
    customer.refresh_from_db()
    serializer = CustomerSerializer(customer)

    fast = serializer.to_representation(customer)
    by_fields = serializers.ModelSerializer.to_representation(serializer, customer)

    assert fast == by_fields
    assert list(fast) == [field.field_name for field in serializer._readable_fields]
    assert fast["created_at"] == created_at.isoformat().replace("+00:00", "Z")


def test_list_uses_the_same_shape(make_customer):
    customers = [make_customer(with_login=False) for _ in range(3)]
    many = CustomerSerializer(customers, many=True).data
    assert many == [serializers.ModelSerializer.to_representation(CustomerSerializer(c), c) for c in customers]
