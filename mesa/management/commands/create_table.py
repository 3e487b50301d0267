"""Create a table and appoint its first secretariat member (an existing, verified account)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from mesa import services


class Command(BaseCommand):
    help = "Create a security dialogue table with its standing subcommittees and first secretariat member."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--city", required=True)
        parser.add_argument("--state", default="")
        parser.add_argument("--country", default="MX")
        parser.add_argument("--time-zone", required=True, help="e.g. America/Ciudad_Juarez")
        parser.add_argument("--language", default="es", choices=["es", "en"])
        parser.add_argument("--private", action="store_true",
                            help="Sessions and public concerns visible to members only.")
        parser.add_argument("--secretariat", required=True, help="Email of an existing account.")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["secretariat"]).first()
        if user is None:
            raise CommandError(f"No account with the email {options['secretariat']}: sign up first.")
        try:
            table = services.table_create(
                name=options["name"], slug=options["slug"], city=options["city"],
                state=options["state"], country=options["country"], time_zone=options["time_zone"],
                default_language=options["language"], is_public=not options["private"],
                secretariat=user,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {table.name} at /t/{table.slug}/"))
