"""Any account's password change revokes its refresh tokens (API.md §3), however the password is changed.

Customers change theirs through the API, staff theirs in the admin, operators with `changepassword`: Django has
no signal for a password change, so a save of a User compares the new hash with the stored one. A change counts
when a new raw password was set (set_password keeps it until the save: the admin, `changepassword`, the API)
and the old hash does not verify it, or when the password was made unusable. Django re-hashes a password with
new parameters at login without keeping it (`_password` is None): the same password, so nothing is revoked.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from mechanic_shop.authentication import revoke_refresh_tokens

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="password-change-detect")
def _detect_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._shop_password_changed = False
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old is None or old == instance.password:
        return
    new_raw = getattr(instance, "_password", None)
    if new_raw is not None:
        instance._shop_password_changed = not check_password(new_raw, old)
    else:
        instance._shop_password_changed = not instance.has_usable_password()


@receiver(post_save, sender=User, dispatch_uid="password-change-revoke")
def _revoke_after_password_change(sender, instance, created=False, **kwargs):
    if getattr(instance, "_shop_password_changed", False):
        instance._shop_password_changed = False
        # In the save's own transaction: if the password change rolls back, so does the revocation.
        revoke_refresh_tokens(instance)
