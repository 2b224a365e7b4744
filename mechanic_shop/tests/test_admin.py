"""The token blacklist's tables in the admin (mechanic_shop/admin.py): superusers only."""

import pytest
from django.urls import reverse

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens

pytestmark = pytest.mark.django_db
TABLES = ["admin:token_blacklist_outstandingtoken_changelist", "admin:token_blacklist_blacklistedtoken_changelist"]


def test_superuser_sees_the_token_tables(admin_client, admin_user):
    issue_tokens(admin_user, ROLE_STAFF)
    assert "Outstanding Tokens" in admin_client.get(reverse("admin:index")).content.decode()
    for name in TABLES:
        assert admin_client.get(reverse(name)).status_code == 200


def test_other_staff_do_not_even_with_the_permissions(client, make_staff):
    staff = make_staff(
        "token_blacklist.view_outstandingtoken",
        "token_blacklist.change_outstandingtoken",
        "token_blacklist.view_blacklistedtoken",
        "customers.view_customer",
    )
    issue_tokens(staff, ROLE_STAFF)
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Customers" in page
    assert "Outstanding Tokens" not in page
    assert "Token Blacklist" not in page
    for name in TABLES:
        assert client.get(reverse(name)).status_code == 403
