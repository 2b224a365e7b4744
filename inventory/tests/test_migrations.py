"""Migration 0004: every part that existed before the ledger gets one `initial` movement equal to its stock.

The test migrates the test database back to inventory 0003 (the ledger's tables exist, empty), makes parts with the
historical model, migrates forward with Django's MigrationExecutor and checks the movements; the fixture migrates to
the latest state again afterwards.
"""

from inventory.management.commands.check_stock import ledger_problems

BEFORE = [("inventory", "0003_ledger_suppliers_purchase_orders")]
AFTER = [("inventory", "0004_initial_stock_movements")]


def test_every_part_gets_its_initial_movement(migrate):
    apps = migrate(BEFORE)
    Part = apps.get_model("inventory", "Part")
    Part.objects.bulk_create(Part(name=f"Part {i}", price=1, quantity_in_stock=i * 3) for i in range(2005))
    apps = migrate(AFTER)
    StockMovement = apps.get_model("inventory", "StockMovement")
    assert StockMovement.objects.count() == 2005  # more than one batch
    stocks = dict(apps.get_model("inventory", "Part").objects.values_list("pk", "quantity_in_stock"))
    for part_id, delta, balance, reason in StockMovement.objects.values_list(
        "part_id", "delta", "balance_after", "reason"
    ):
        assert (delta, balance, reason) == (stocks[part_id], stocks[part_id], "initial")
    assert ledger_problems() == {}
    # And back: the movements go, the parts stay.
    apps = migrate(BEFORE)
    assert not apps.get_model("inventory", "StockMovement").objects.exists()
    assert apps.get_model("inventory", "Part").objects.count() == 2005
