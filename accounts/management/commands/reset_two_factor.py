"""Remove a person's two-step verification devices (a lost or replaced phone)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.two_factor import totp_devices_reset


class Command(BaseCommand):
    help = (
        "Remove the two-step verification devices of the person with this email address. "
        "Check who is asking first (in person, or by a call to a number you already had): "
        "whoever gets this done can sign in with the password alone until they set up a new one."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the person's email address")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the address {email!r}.")
        removed = totp_devices_reset(user=user)
        self.stdout.write(self.style.SUCCESS(
            f"{removed} device(s) removed. {user.email} will be asked to set up two-step "
            "verification again at the next sign-in if their role requires it."
        ))
