"""One-use, time-limited tokens for the links Mesa mails to people.

The email-verification token hashes the state it changes (email_verified_at),
so once an address is confirmed every earlier link stops working; it also
hashes the address itself, so a link only confirms the address it was sent to.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        verified_at = (
            ""
            if user.email_verified_at is None
            else user.email_verified_at.replace(microsecond=0, tzinfo=None)
        )
        return f"{user.pk}{user.email}{verified_at}{timestamp}"

    def check_token(self, user: User | None, token: str | None) -> bool:
        """Like the parent's, but valid for settings.ACCOUNT_VERIFICATION_MAX_AGE seconds."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            timestamp = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.ACCOUNT_VERIFICATION_MAX_AGE


email_verification_token = EmailVerificationTokenGenerator()


def encode_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_from_uidb64(uidb64: str) -> User | None:
    """The user a link names, or None for a malformed or unknown id (never an error)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    return User.objects.filter(pk=pk).first()
