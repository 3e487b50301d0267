"""Check the hash chains of the table's memory (mesa.history): exits with an error,
listing each problem, when a history row was edited or removed behind the application's back."""

from django.core.management.base import BaseCommand, CommandError

from mesa.history import chained_event_models, verify_history


class Command(BaseCommand):
    help = ("Verify that no history row of commitments, action updates, agreements, minutes, "
            "sessions or proposals was changed or removed behind the application's back.")

    def handle(self, *args, **options):
        problems = verify_history()
        for problem in problems:
            self.stderr.write(str(problem))
        checked = len(chained_event_models())
        if problems:
            raise CommandError(f"{len(problems)} history problem(s) found in {checked} history tables.")
        self.stdout.write(self.style.SUCCESS(f"No problems: {checked} history tables verified."))
