"""Any password change revokes the account's refresh tokens; a hash upgraded at login does not."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from mechanic_shop.accounts.authentication import ROLE_STAFF
from mechanic_shop.accounts.tokens import issue_tokens

pytestmark = pytest.mark.django_db
REFRESH = reverse("token-refresh")
OLD, NEW = "Wrench-Master-77", "Brand-New-Pass-99"


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("deskstaff", "desk@example.com", OLD, is_staff=True)


def refresh_works(anon_client, refresh):
    return anon_client.post(REFRESH, {"refresh": refresh}, format="json").status_code == 200


def test_staff_password_reset_in_the_admin_revokes_refresh_tokens(anon_client, client, staff):
    admin = get_user_model().objects.create_superuser("chief", "chief@example.com", "Chief-Pass-2026")
    client.force_login(admin)
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[staff.pk]), {"password1": NEW, "password2": NEW}
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW)
    assert not refresh_works(anon_client, refresh)


def test_changepassword_style_set_password_revokes(anon_client, staff):
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    staff.set_password(NEW)
    staff.save()
    assert not refresh_works(anon_client, refresh)


def test_other_saves_keep_tokens_and_setting_the_password_again_revokes(anon_client, staff):
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    staff.first_name = "Dana"
    staff.save()
    staff.save(update_fields=["first_name"])
    assert refresh_works(anon_client, refresh)
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    staff.set_password(OLD)  # the same password, set again on purpose (a suspected stolen token)
    staff.save()
    assert not refresh_works(anon_client, refresh)


def test_a_hash_upgraded_at_login_keeps_tokens(anon_client, staff):
    # The user's hash was made with an older hasher; logging in re-hashes it with the current one.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        staff.set_password(OLD)
        staff.save()
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        response = anon_client.post(reverse("token-obtain"), {"username": "deskstaff", "password": OLD}, format="json")
        assert response.status_code == 200
        staff.refresh_from_db()
        assert staff.password.startswith("md5$")  # upgraded
    assert refresh_works(anon_client, refresh)


def test_making_the_password_unusable_revokes(anon_client, staff):
    refresh, _access = issue_tokens(staff, ROLE_STAFF)
    staff.set_unusable_password()
    staff.save()
    assert not refresh_works(anon_client, refresh)
