from django.core.management.base import BaseCommand

from tickets.leaderboard import fill_completed_work


class Command(BaseCommand):
    help = (
        "Write the efficiency leaderboard's rows (what each mechanic clocked and billed) for every completed ticket "
        "that has none: tickets completed behind the services' backs (SQL, a data migration) or by the previous "
        "release while migrate ran. Safe to run any time; a ticket with rows is left alone."
    )

    def handle(self, *args, **options):
        tickets, rows = fill_completed_work()
        self.stdout.write(f"Completed tickets without rows: {tickets}. Rows written: {rows}.")
