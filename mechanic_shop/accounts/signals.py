"""Any account's password change, or its demotion from staff, revokes its refresh tokens, however it is made.

Customers set theirs through the API, staff theirs in the admin, operators with `changepassword`: all of them
call set_password, which keeps the new raw password on the instance until it is saved — that is what counts as a
change here, even to the same password (someone who suspects a stolen token resets it). Django also re-hashes a
password with new parameters at login, but clears the raw password first: not a change, nothing is revoked. A
password made unusable (set_unusable_password) counts too.

An account that stops being staff loses its refresh tokens the same way: a staff token must not outlive the role,
nor come back to life if the account is made staff again. (A bulk UPDATE sends no signal; the refresh endpoint
refuses, and blacklists, a staff token of a non-staff account too.) This is the one place revocation happens.
"""

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from mechanic_shop.accounts.tokens import revoke_refresh_tokens

if TYPE_CHECKING:
    from django.contrib.auth.models import User as AuthUser

    class _SavedUser(AuthUser):
        """A user being saved, with the flags these receivers keep on it between pre_save and post_save."""

        _shop_password_changed: bool
        _shop_demoted: bool


User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="password-change-detect")
def _detect_revoking_change(
    sender: "type[AuthUser]",
    instance: "_SavedUser",
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    instance._shop_password_changed = False
    instance._shop_demoted = False
    if raw or instance.pk is None:
        return
    if not instance.is_staff and (update_fields is None or "is_staff" in update_fields):
        instance._shop_demoted = sender.objects.filter(pk=instance.pk, is_staff=True).exists()
    if update_fields is not None and "password" not in update_fields:
        return
    if getattr(instance, "_password", None) is not None:
        instance._shop_password_changed = True
    elif not instance.has_usable_password():
        old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
        instance._shop_password_changed = old is not None and old != instance.password


@receiver(post_save, sender=User, dispatch_uid="password-change-revoke")
def _revoke_after_change(
    sender: "type[AuthUser]", instance: "_SavedUser", created: bool = False, **kwargs: Any
) -> None:
    if getattr(instance, "_shop_password_changed", False) or getattr(instance, "_shop_demoted", False):
        instance._shop_password_changed = instance._shop_demoted = False
        # In the save's own transaction: if the change rolls back, so does the revocation.
        revoke_refresh_tokens(instance)
