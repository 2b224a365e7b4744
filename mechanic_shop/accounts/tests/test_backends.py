"""The cached permission sets: fast on repeat, and never stale after a grant or a revoke."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db

VIEW_CUSTOMER = "customers.view_customer"


def test_repeat_request_reads_permissions_from_cache(staff_client, django_assert_num_queries):
    client = staff_client(VIEW_CUSTOMER)
    assert client.get(reverse("customer-list")).status_code == 200
    # Only the user row (checked active on every request); the page is cached and so are the permissions.
    with django_assert_num_queries(1):
        response = client.get(reverse("customer-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_revoking_a_user_permission_applies_at_the_next_request(staff_client):
    client = staff_client(VIEW_CUSTOMER)
    assert client.get(reverse("customer-list")).status_code == 200
    client.user.user_permissions.clear()
    response = client.get(reverse("customer-list"))
    assert response.status_code == 403
    assert "detail" in response.json()


def test_group_grant_and_revoke_apply_at_once(staff_client):
    client = staff_client()
    group = Group.objects.create(name="Counter")
    client.user.groups.add(group)
    assert client.get(reverse("customer-list")).status_code == 403
    group.permissions.add(Permission.objects.get(codename="view_customer"))
    assert client.get(reverse("customer-list")).status_code == 200
    group.permissions.remove(Permission.objects.get(codename="view_customer"))
    assert client.get(reverse("customer-list")).status_code == 403


def test_leaving_a_group_applies_at_once(staff_client):
    client = staff_client()
    group = Group.objects.create(name="Desk")
    group.permissions.add(Permission.objects.get(codename="view_customer"))
    client.user.groups.add(group)
    assert client.get(reverse("customer-list")).status_code == 200
    client.user.groups.remove(group)
    assert client.get(reverse("customer-list")).status_code == 403
    assert client.user.groups.count() == 0


def test_deleting_a_group_applies_at_once(staff_client):
    client = staff_client()
    group = Group.objects.create(name="Temp")
    group.permissions.add(Permission.objects.get(codename="view_customer"))
    client.user.groups.add(group)
    assert client.get(reverse("customer-list")).status_code == 200
    group.delete()
    assert client.get(reverse("customer-list")).status_code == 403
