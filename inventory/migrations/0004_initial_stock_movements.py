"""Every part that exists when the ledger arrives gets one `initial` movement equal to its stock, so from here on the
sum of a part's movements is its stock (manage.py check_stock). Written in batches, in the migration's transaction."""

from django.db import migrations

BATCH = 2000


def initial_movements(apps, schema_editor):
    Part = apps.get_model("inventory", "Part")
    StockMovement = apps.get_model("inventory", "StockMovement")
    db = schema_editor.connection.alias
    last = 0
    while True:
        parts = list(
            Part.objects.using(db).filter(pk__gt=last).order_by("pk").values_list("pk", "quantity_in_stock")[:BATCH]
        )
        if not parts:
            return
        StockMovement.objects.using(db).bulk_create(
            StockMovement(part_id=pk, delta=stock, balance_after=stock, reason="initial", note="Stock when the ledger began")
            for pk, stock in parts
        )
        last = parts[-1][0]


def forget_movements(apps, schema_editor):
    apps.get_model("inventory", "StockMovement").objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_ledger_suppliers_purchase_orders")]

    operations = [migrations.RunPython(initial_movements, forget_movements)]
