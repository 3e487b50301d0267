"""Writes to a person's own account: sign-up, email confirmation, profile, API token.

Nothing here may reveal to a visitor whether an address has an account: the
sign-up, resend and password-reset paths take the same steps, and answer the
same, whether or not the address is known.
"""

from functools import partial

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.tasks import (
    send_password_reset_email_task,
    send_signup_notice_task,
    send_verification_email_task,
)


def _find_by_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()


# --- Sign-up and email confirmation ----------------------------------------------


def user_signup(
    *,
    email: str,
    display_name: str,
    language: str,
    password: str,
    phone: str = "",
    next_url: str = "",
) -> User | None:
    """Create an account that must confirm its address, and mail the confirmation link.

    The caller has validated the password. If the address is already registered
    nothing is created and None is returned; the owner is mailed instead (a new
    confirmation link if they never confirmed, else a notice). The caller must
    answer exactly as for a new account.
    """
    existing = _find_by_email(email)
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    display_name=display_name,
                    language=language,
                    phone=phone,
                )
        except IntegrityError:  # the same address signed up at the same moment
            existing = _find_by_email(email)
        else:
            email_verification_send(user=user, next_url=next_url)
            return user
    # Hash anyway so that the answer takes as long as for a new account.
    make_password(password)
    if existing is not None:
        if existing.is_email_verified:
            transaction.on_commit(partial(send_signup_notice_task.delay, existing.pk))
        else:
            email_verification_send(user=existing, next_url=next_url)
    return None


def email_verification_send(*, user: User, next_url: str = "") -> None:
    """Mail a fresh confirmation link to an unconfirmed account (no-op once confirmed)."""
    if user.is_email_verified or not user.is_active:
        return
    transaction.on_commit(partial(send_verification_email_task.delay, user.pk, next_url))


def email_verification_resend(*, email: str) -> None:
    """A visitor asked for a new link for `email`; silent whatever the address is."""
    user = _find_by_email(email)
    if user is not None:
        email_verification_send(user=user)


def user_verify_email(*, user: User) -> User:
    """Mark the address confirmed. The caller has checked the link's token."""
    now = timezone.now()
    # Conditional UPDATE: a double click confirms once and keeps the first date.
    User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
    user.refresh_from_db(fields=["email_verified_at"])
    return user


# --- Password reset --------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Mail a reset link to the account with this address, if there is one that can log in."""
    user = _find_by_email(email)
    if user is not None and user.is_active and user.has_usable_password():
        transaction.on_commit(partial(send_password_reset_email_task.delay, user.pk))


def password_reset_complete(*, user: User) -> None:
    """The person set a new password through a mailed reset link.

    The link proves they read mail at the address, so the address counts as
    confirmed; and the lockout after failed logins is lifted, as the lockout
    page promises.
    """
    if not user.is_email_verified:
        user_verify_email(user=user)
    axes_reset(username=user.email)


# --- Profile ---------------------------------------------------------------------


def user_update_profile(*, user: User, display_name: str, language: str, phone: str = "") -> User:
    user.display_name = display_name
    user.language = language
    user.phone = phone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "language", "phone"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language a signed-in person switched to; ignores unknown codes."""
    if language not in {code for code, _name in User._meta.get_field("language").choices}:
        return user
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


# --- API token -------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User) -> Token:
    # Lock the person's row so two quick submissions cannot both create one.
    User.objects.select_for_update().get(pk=user.pk)
    if Token.objects.filter(user=user).exists():
        raise ValidationError(_("You already have an API token. Regenerate it to get a new one."))
    return Token.objects.create(user=user)


@transaction.atomic
def api_token_regenerate(*, user: User) -> Token:
    """Replace the person's token: the old one stops working at once."""
    User.objects.select_for_update().get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def api_token_revoke(*, user: User) -> bool:
    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted > 0
