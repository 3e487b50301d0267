"""Mail about a person's own account, always in that person's language.

Tokens are made here, in the worker, from the current state of the account:
a message that waited in the queue never carries a stale link, and no secret
travels through the broker.
"""

from urllib.parse import urlencode

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from accounts.tokens import email_verification_token, encode_uid


def _absolute(path: str) -> str:
    return settings.MESA_BASE_URL + path


def _send_to_user(user: User, template_prefix: str, context: dict) -> None:
    with translation.override(user.language):
        context = {"user": user, "site_name": settings.MESA_SITE_NAME, **context}
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        subject = " ".join(subject.split())  # a subject must be one line
        body = render_to_string(f"{template_prefix}_body.txt", context)
    send_mail(subject, body, None, [user.email])


def verification_url(user: User, next_url: str = "") -> str:
    path = reverse(
        "accounts:verify",
        kwargs={"uidb64": encode_uid(user), "token": email_verification_token.make_token(user)},
    )
    if next_url:
        path += "?" + urlencode({"next": next_url})
    return _absolute(path)


@shared_task(bind=True, max_retries=5, retry_backoff=True, autoretry_for=(OSError,))
def send_verification_email_task(self, user_id: int, next_url: str = "") -> None:
    user = User.objects.filter(pk=user_id, is_active=True, email_verified_at__isnull=True).first()
    if user is None:  # confirmed, deactivated or gone meanwhile
        return
    _send_to_user(user, "accounts/email/verification", {
        "url": verification_url(user, next_url),
        "max_age_hours": max(1, settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600),
    })


@shared_task(bind=True, max_retries=5, retry_backoff=True, autoretry_for=(OSError,))
def send_signup_notice_task(self, user_id: int) -> None:
    """Someone signed up with an address that already has a confirmed account."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    _send_to_user(user, "accounts/email/signup_notice", {
        "login_url": _absolute(reverse("accounts:login")),
        "password_reset_url": _absolute(reverse("accounts:password-reset")),
    })


@shared_task(bind=True, max_retries=5, retry_backoff=True, autoretry_for=(OSError,))
def send_password_reset_email_task(self, user_id: int) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={"uidb64": encode_uid(user), "token": default_token_generator.make_token(user)},
    )
    _send_to_user(user, "registration/password_reset", {
        "url": _absolute(path),
        "max_age_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    })


@shared_task
def purge_login_events_task() -> int:
    """Daily: forget sign-in events older than MESA_LOGIN_EVENT_RETENTION_DAYS."""
    from accounts.login_events import login_events_purge

    return login_events_purge()
