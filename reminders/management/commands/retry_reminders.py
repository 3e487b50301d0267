"""Plan failed reminders again (after fixing the mail settings, say)."""

from django.core.management.base import BaseCommand, CommandError

from mesa.models import Table
from reminders.dispatch import retry_failed


class Command(BaseCommand):
    help = "Plan every failed reminder (of one table with --table) to be sent again now."

    def add_arguments(self, parser):
        parser.add_argument("--table", help="the table's short name (slug)")

    def handle(self, *args, table=None, **options):
        chosen = None
        if table:
            chosen = Table.objects.filter(slug=table).first()
            if chosen is None:
                raise CommandError(f"No table {table!r}.")
        count = retry_failed(chosen)
        self.stdout.write(self.style.SUCCESS(f"{count} failed reminder(s) planned again."))
