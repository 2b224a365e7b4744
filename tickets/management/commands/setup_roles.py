from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

ACTIONS = ("view", "add", "change", "delete")

# Group → {"app.model": actions}; an action with an underscore is a whole codename (a model's own permission).
# Part lines and mechanic links change only through ticket permissions; purchase order lines only through the order's.
ROLES = {
    "Front desk": {
        "customers.customer": ACTIONS,
        "customers.vehicle": ACTIONS,
        "tickets.serviceticket": ("view", "add", "change"),
        "mechanics.mechanic": ("view",),
        "inventory.part": ("view",),
        "inventory.supplier": ("view",),
        "inventory.purchaseorder": ("view",),
    },
    "Mechanic": {
        "customers.vehicle": ("view",),
        "tickets.serviceticket": ("view", "change"),
        "inventory.part": ("view",),
    },
    "Manager": {
        "customers.customer": ACTIONS,
        "customers.vehicle": ACTIONS,
        "mechanics.mechanic": (*ACTIONS, "view_mechanic_salary"),
        "inventory.part": ACTIONS,
        "inventory.supplier": ACTIONS,
        "inventory.purchaseorder": ACTIONS,
        "tickets.serviceticket": ACTIONS,
        "tickets.ticketmechanic": ACTIONS,
        "tickets.ticketpart": ACTIONS,
        "events.webhook": ACTIONS,
        "events.webhookdelivery": ("view",),
        "events.event": ("view",),
        "events.outgoingemail": ("view",),
    },
}


class Command(BaseCommand):
    help = "Create or update the groups Front desk, Mechanic and Manager with their model permissions."

    @transaction.atomic
    def handle(self, *args, **options):
        for name, grants in ROLES.items():
            wanted = []
            for label, actions in grants.items():
                app_label, model = label.split(".")
                codenames = [action if "_" in action else f"{action}_{model}" for action in actions]
                found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
                if len(found) != len(codenames):
                    raise RuntimeError(f"Missing permissions for {label}; run `python manage.py migrate` first.")
                wanted += found
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(wanted)
        summary = ", ".join(f"{name} ({sum(len(a) for a in g.values())} permissions)" for name, g in ROLES.items())
        self.stdout.write(f"Roles ready: {summary}.")
