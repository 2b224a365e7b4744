"""StaffModelPermissions keeps its answer for the request, by permission class and method."""

import pytest


@pytest.mark.django_db
def test_options_describes_only_the_actions_the_caller_may_take(staff_client, customer):
    # OPTIONS asks the same view about PUT and POST in turn: an answer kept for one method must not stand for another.
    viewer = staff_client("customers.view_customer")
    assert viewer.options("/customers").json().get("actions", {}) == {}
    assert viewer.options(f"/customers/{customer.pk}").json().get("actions", {}) == {}

    editor = staff_client("customers.view_customer", "customers.change_customer")
    described = editor.options(f"/customers/{customer.pk}")
    assert described.status_code == 200
    assert set(described.json()["actions"]) == {"PUT"}
    assert set(editor.options("/customers").json().get("actions", {})) == set()  # no add_customer


@pytest.mark.django_db
def test_the_object_check_does_not_ask_the_backend_again(staff_client, customer, monkeypatch):
    # (IsCustomerCaller | StaffModelPermissions): DRF's OR asks has_permission again before the object check.
    from mechanic_shop.accounts.backends import CachedPermissionsBackend

    asked = []
    real = CachedPermissionsBackend.has_perm

    def has_perm(self, user_obj, perm, obj=None):
        asked.append(perm)
        return real(self, user_obj, perm, obj)

    monkeypatch.setattr(CachedPermissionsBackend, "has_perm", has_perm)
    response = staff_client("customers.view_customer").get(f"/customers/{customer.pk}")
    assert response.status_code == 200
    assert asked == ["customers.view_customer"]
