"""manage.py check_stock: does every part's ledger explain its stock?

For every part: the sum of its movements' deltas equals `quantity_in_stock`, and the movements in id order form one
chain (each `balance_after` is the one before plus its delta; the first is its own delta) ending at the stock. Two
queries whatever the number of parts and movements: one grouped sum per part joined to the parts, one window over
the movements (LAG of `balance_after` per part) keeping only the breaks in the chain.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Coalesce, Lag

from inventory.models import Part, StockMovement

# Names listed in the report at most; the count is always exact.
SHOWN = 50


def ledger_problems() -> dict[int, str]:
    """{part id: what is wrong} for every part whose movements do not explain its stock."""
    deltas = (
        StockMovement.objects.filter(part=OuterRef("pk"))
        .order_by()
        .values("part")
        .annotate(total=Sum("delta"))
        .values("total")
    )
    last = StockMovement.objects.filter(part=OuterRef("pk")).order_by("-id").values("balance_after")[:1]
    problems: dict[int, str] = {}
    parts = Part.objects.annotate(
        ledger=Coalesce(Subquery(deltas, output_field=IntegerField()), 0),
        last_balance=Subquery(last, output_field=IntegerField()),
    ).filter(~Q(ledger=F("quantity_in_stock")) | ~Q(last_balance=F("quantity_in_stock")) | Q(last_balance=None))
    for pk, name, stock, ledger, last_balance in parts.values_list(
        "pk", "name", "quantity_in_stock", "ledger", "last_balance"
    ):
        if last_balance is None:
            problems[pk] = f"{name}: {stock} in stock, no movements"
        else:
            problems[pk] = f"{name}: {stock} in stock, movements sum to {ledger}, the last balance is {last_balance}"
    breaks = (
        StockMovement.objects.annotate(
            before=Window(Lag("balance_after"), partition_by=[F("part_id")], order_by=F("id").asc())
        )
        .filter(~Q(balance_after=Coalesce(F("before"), 0) + F("delta")))
        .values_list("part_id", "id")
    )
    for part_id, movement_id in breaks:
        problems.setdefault(part_id, f"the chain of balances breaks at movement #{movement_id}")
    return problems


class Command(BaseCommand):
    help = (
        "Check every part's stock against its movements (sum of deltas, chain of balances); exits 1 naming the parts "
        "where they disagree."
    )

    def handle(self, *args, **options):
        problems = ledger_problems()
        checked = Part.objects.count()
        if not problems:
            self.stdout.write(f"Stock checked: {checked} parts, every one explained by its movements.")
            return
        lines = [problems[pk] for pk in sorted(problems)[:SHOWN]]
        more = len(problems) - len(lines)
        report = "\n".join(f"  part #{pk}: {text}" for pk, text in zip(sorted(problems), lines, strict=False))
        if more > 0:
            report += f"\n  … and {more} more"
        raise CommandError(f"{len(problems)} of {checked} parts do not match their movements:\n{report}", returncode=1)
