from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from customers.models import Customer
from customers.services import customer_list_cache_invalidate


@receiver(post_save, sender=Customer, dispatch_uid="customers.invalidate_list_on_save")
@receiver(post_delete, sender=Customer, dispatch_uid="customers.invalidate_list_on_delete")
def invalidate_customer_list(sender, **kwargs):
    """Every customer write (API, admin, shell, commands) makes the cached list stale."""
    customer_list_cache_invalidate()


@receiver(post_delete, sender=Customer, dispatch_uid="customers.delete_login")
def delete_customer_login(sender, instance, **kwargs):
    """A deleted customer's login goes with it, however it was deleted, so its tokens stop working at once."""
    if instance.user_id is not None:
        get_user_model().objects.filter(pk=instance.user_id, is_staff=False).delete()
