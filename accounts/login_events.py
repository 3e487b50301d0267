"""A person's sign-in record (accounts.models.LoginEvent), written from Django's and axes'
authentication signals and from the two-step and idle-timeout code.

Privacy: an address and a browser say where someone was. Only the person (their profile)
and superusers (the admin) see these rows, and they are purged after
MESA_LOGIN_EVENT_RETENTION_DAYS.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import LoginEvent

logger = logging.getLogger(__name__)

USER_AGENT_MAX_LENGTH = LoginEvent._meta.get_field("user_agent").max_length
USERNAME_MAX_LENGTH = LoginEvent._meta.get_field("username").max_length


def _client_ip(request) -> str | None:
    """The client's address as axes sees it (the same proxy count), if it is one."""
    from axes.helpers import get_client_ip_address
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_ipv46_address

    if request is None:
        return None
    try:
        address = get_client_ip_address(request)
        validate_ipv46_address(address)
    except (ValidationError, TypeError, ValueError, AttributeError):
        return None
    return address


def login_event_record(*, kind: str, request=None, user=None, username: str = "") -> LoginEvent:
    """Write one event. `user` may be None (an address that names no account)."""
    if user is not None and not username:
        username = user.get_username()
    meta = getattr(request, "META", {}) if request is not None else {}
    return LoginEvent.objects.create(
        user=user,
        username=str(username or "").strip().lower()[:USERNAME_MAX_LENGTH],
        kind=kind,
        ip_address=_client_ip(request),
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX_LENGTH],
    )


def login_events_purge(*, now=None) -> int:
    """Delete events older than the retention period; how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.MESA_LOGIN_EVENT_RETENTION_DAYS)
    deleted, _by_model = LoginEvent.objects.filter(at__lt=cutoff).delete()
    return deleted


def _user_for_username(username: str):
    if not username:
        return None
    return get_user_model().objects.filter(email__iexact=username).first()


# --- Signal receivers (connected in accounts.apps) -------------------------------------------


def on_user_logged_in(sender, request, user, **kwargs):
    from accounts import two_factor
    from accounts.middleware import stamp_activity

    session = getattr(request, "session", None)
    # The API's token sign-in sends this signal too, without a session sign-in.
    if session is not None and session.get("_auth_user_id") == str(user.pk):
        stamp_activity(request, pin_expiry=True)
        two_factor.remember_device_requirement(request, user)
    login_event_record(kind=LoginEvent.Kind.SIGNED_IN, request=request, user=user)


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "").strip()
    second_factor = bool((credentials or {}).get("mesa_second_factor"))
    login_event_record(
        kind=LoginEvent.Kind.SECOND_FACTOR_FAILED if second_factor else LoginEvent.Kind.SIGN_IN_FAILED,
        request=request, user=_user_for_username(username), username=username,
    )


def on_user_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    kind = (LoginEvent.Kind.IDLE_TIMEOUT if getattr(request, "mesa_idle_timeout", False)
            else LoginEvent.Kind.SIGNED_OUT)
    login_event_record(kind=kind, request=request, user=user)


def on_user_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    login_event_record(kind=LoginEvent.Kind.LOCKED_OUT, request=request,
                       user=_user_for_username(username or ""), username=username or "")
