"""Gives every existing ticket its vehicle: one vehicle per distinct VIN, owned by the customer of its most recent
ticket — the latest `service_date`, then the latest `created_at`, then the highest id (the car's current owner is
the one who brought it last).

All in bulk, never a query per ticket, so it stays fast on large shops (docs/operations.md has the time it took on
100,000 tickets):

1. one UPDATE upper-cases any VIN stored otherwise (the API always stored them upper-case; this only makes sure
   that two spellings of one VIN become one vehicle). Under a case-insensitive collation (MySQL, MariaDB) that
   UPDATE finds nothing, since "abc" = "ABC" there: such tickets are found while streaming (step 2, in Python,
   where case counts) and upper-cased by id afterwards;
2. one query streams the tickets ordered by VIN, newest first, and the first of each VIN names the owner; the
   vehicles are decoded in Python and written in batches of 2,000 rows (one executemany each, see _VehicleInsert);
3. one UPDATE sets every ticket's vehicle_id from a subquery on the vehicles' unique VIN;
4. one UPDATE sets every vehicle's ticket_count and last_service_date from subqueries on its tickets. Its odometer
   stays null: the mileage columns are new, so no ticket has recorded one yet.

The reverse unlinks every ticket and deletes the vehicles.
"""

import re

from django.db import migrations
from django.db.models import Count, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone

BATCH = 2000
# A VIN's form as the API accepts it (mechanic_shop/core/validators.py, frozen here as it was when this was written).
# A ticket stored before that rule may not have it; its vehicle is then recorded as "invalid" for staff to correct.
VIN_FORM = re.compile(r"[A-HJ-NPR-Z0-9]{17}")


def _decoded(vin):
    # The decoder as it is today (customers/vins.py), imported here rather than frozen: a database migrated later
    # gets whatever that module has become by then (more makers, say), which is what its vehicles would get anyway.
    from customers.vins import decode_vin

    if not VIN_FORM.fullmatch(vin):
        return "invalid", "", None
    decoded = decode_vin(vin)
    return decoded.vin_check, decoded.manufacturer, decoded.model_year


class _VehicleInsert:
    """Writes vehicles with one executemany per batch: (vin, customer_id, vin_check, manufacturer, model_year) rows,
    every other column at its empty value.

    Not bulk_create: on SQLite it inserts 71 rows a statement (999 parameters) and prepares every value of every
    field in Python, which was most of this migration's time on 100,000 VINs (38 s with it, 10 s without).
    """

    def __init__(self, Vehicle, connection):
        now = timezone.now()
        fields = {field.name: field for field in Vehicle._meta.concrete_fields if not field.primary_key}
        constants = {
            "year": None,
            "make": "",
            "model": "",
            "license_plate": "",
            "odometer": None,
            "ticket_count": 0,
            "last_service_date": None,
            "created_at": fields["created_at"].get_db_prep_save(now, connection),
            "updated_at": fields["updated_at"].get_db_prep_save(now, connection),
        }
        given = ("vin", "customer", "vin_check", "manufacturer", "model_year")
        self.constants = tuple(constants.values())
        names = [*given, *constants]
        quote = connection.ops.quote_name
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(Vehicle._meta.db_table),
            ", ".join(quote(fields[name].column) for name in names),
            ", ".join(["%s"] * len(names)),
        )
        self.connection = connection

    def write(self, rows):
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql, [row + self.constants for row in rows])


def give_every_ticket_its_vehicle(apps, schema_editor):
    db = schema_editor.connection.alias
    ServiceTicket = apps.get_model("tickets", "ServiceTicket")
    Vehicle = apps.get_model("customers", "Vehicle")
    tickets = ServiceTicket.objects.using(db)
    vehicles = Vehicle.objects.using(db)

    tickets.exclude(vin=Upper("vin")).update(vin=Upper("vin"))

    known = set(vehicles.values_list("vin", flat=True))
    insert = _VehicleInsert(Vehicle, schema_editor.connection)
    rows, previous_vin, not_upper_case = [], None, []
    newest_first = tickets.filter(vehicle__isnull=True).order_by("vin", "-service_date", "-created_at", "-id")
    for pk, stored_vin, customer_id in newest_first.values_list("pk", "vin", "customer_id").iterator(chunk_size=BATCH):
        vin = stored_vin.upper()  # as step 1 wrote it (a case-insensitive collation may have left it as it was)
        if stored_vin != vin:
            not_upper_case.append(pk)
        if vin == previous_vin:
            continue  # an older ticket of a VIN whose owner is already named
        previous_vin = vin
        if vin in known:
            continue
        rows.append((vin, customer_id, *_decoded(vin)))
        if len(rows) == BATCH:
            insert.write(rows)
            rows = []
    insert.write(rows)
    for start in range(0, len(not_upper_case), BATCH):
        tickets.filter(pk__in=not_upper_case[start : start + BATCH]).update(vin=Upper("vin"))

    tickets.filter(vehicle__isnull=True).update(
        vehicle_id=Subquery(vehicles.filter(vin=OuterRef("vin")).values("pk")[:1])
    )

    own_tickets = tickets.filter(vehicle_id=OuterRef("pk")).order_by().values("vehicle_id")
    vehicles.update(
        ticket_count=Coalesce(
            Subquery(own_tickets.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), Value(0)
        ),
        last_service_date=Subquery(own_tickets.annotate(last=Max("service_date")).values("last")),
    )


def unlink_and_delete_the_vehicles(apps, schema_editor):
    db = schema_editor.connection.alias
    ServiceTicket = apps.get_model("tickets", "ServiceTicket")
    Vehicle = apps.get_model("customers", "Vehicle")
    ServiceTicket.objects.using(db).exclude(vehicle=None).update(vehicle=None)
    # One DELETE: the ORM's collector would load every vehicle to look for the tickets it no longer has.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {schema_editor.quote_name(Vehicle._meta.db_table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_vehicle"),
        ("tickets", "0002_ticket_vehicle_and_mileage"),
    ]

    operations = [
        migrations.RunPython(give_every_ticket_its_vehicle, unlink_and_delete_the_vehicles, elidable=False),
    ]
