"""Two-step verification (TOTP, django-otp): who must use it, and its writes.

Who needs a second factor is decided here, in `needs_two_factor`, and nowhere
else: staff and superusers, and anyone holding the powers of an official or of
the secretariat at some table. Those powers are read from mesa.permissions, so
the rule follows exactly what the person can do: an official whose claim the
secretariat has not verified yet holds no official power and is not asked
until it is verified (from the next request on). Anyone else who has set up a
device is asked for a code at every sign-in too (`two_factor_pending`).

The middleware (accounts.middleware.TwoFactorMiddleware) sends a person whose
session still lacks the second factor to set it up or to give a code; the API
refuses such a session with a 403 (mesa.api.authentication.TwoFactorSessionAuthentication).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.login_events import login_event_record
from accounts.models import LoginEvent, User
from mesa.permissions import GROUP_PERMISSIONS, has_any_table_perm

# Set at sign-in when the person had a confirmed device, so that the middleware need not
# ask the database on every page whether they have one.
REQUIRED_SESSION_KEY = "mesa:two-factor-required"
# The secret of a device being set up: kept in the session, never saved, until a first code
# proves the person's app has it.
SETUP_KEY_SESSION_KEY = "mesa:two-factor-setup-key"

# The powers that make a second factor necessary: what an official and the secretariat can do.
POWERFUL_PERMISSIONS = frozenset(GROUP_PERMISSIONS["official"] + GROUP_PERMISSIONS["secretariat"])

DEVICE_NAME = "authenticator"

WRONG_CODE = gettext_lazy("This code is wrong or too old. Enter the code your app shows now.")


def needs_two_factor(user) -> bool:
    """Must `user` sign in with a second factor? (The one place this is decided.)"""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    # The person's table permissions are read once per request and shared with the page.
    return has_any_table_perm(user, POWERFUL_PERMISSIONS)


def two_factor_pending(request) -> bool:
    """Signed in with the password but not (yet) with the code that this person must give."""
    user = request.user
    # OTPMiddleware gives request.user is_verified(); a user just signed in by
    # django.contrib.auth.login replaces it and has given no code yet.
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (is_verified is not None and is_verified()):
        return False
    return bool(request.session.get(REQUIRED_SESSION_KEY)) or needs_two_factor(user)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def remember_device_requirement(request, user) -> None:
    """At sign-in: a person with a device must give a code before anything else."""
    if has_confirmed_device(user):
        request.session[REQUIRED_SESSION_KEY] = True


# --- Setting up -------------------------------------------------------------------------


def setup_key(request) -> str:
    """The secret offered to the person setting up a device (the same until they confirm it)."""
    key = request.session.get(SETUP_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        request.session[SETUP_KEY_SESSION_KEY] = key
    return key


def unsaved_device(user: User, key: str) -> TOTPDevice:
    """The device as it will be saved: for its otpauth:// address and secret."""
    return TOTPDevice(user=user, name=DEVICE_NAME, key=key, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, request, user: User, key: str, code: str) -> TOTPDevice:
    """Save a device for `user` if `code` is the current one for `key`; ValidationError if not.

    The caller has checked that `user` (signed in, and verified if they had a device) has no
    confirmed device yet. The session counts as verified from now on.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one set-up at a time
    if has_confirmed_device(user):
        raise ValidationError(_("Two-step verification is already set up."))
    device = unsaved_device(user, key)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not code.isdigit() or not totp.verify(int(code), device.tolerance):
        raise ValidationError(WRONG_CODE,
                              code="wrong_code")
    device.confirmed = True
    device.last_t = totp.t()  # the code just used cannot be used again
    TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    device.save()
    request.session.pop(SETUP_KEY_SESSION_KEY, None)
    request.session[REQUIRED_SESSION_KEY] = True
    otp_login(request, device)
    login_event_record(kind=LoginEvent.Kind.DEVICE_ADDED, request=request, user=user)
    return device


# --- Verifying and removing --------------------------------------------------------------


def verify_code(*, user: User, code: str) -> TOTPDevice | None:
    """The person's device if `code` is its current code (django-otp throttles repeated failures
    per device and refuses a code already used), else None."""
    device = confirmed_device(user)
    if device is None or not code.isdigit():
        if device is not None:
            device.throttle_increment()
        return None
    return otp_verify_token(user, device.persistent_id, code)


def code_attempt_allowed(user: User) -> bool:
    """False while django-otp makes the person wait after wrong codes."""
    device = confirmed_device(user)
    return device is None or device.verify_is_allowed()[0]


def totp_device_remove(*, request, user: User, code: str) -> None:
    """Remove `user`'s devices if `code` is current; ValidationError if not. The caller has
    checked that the session is verified. A person who needs two-step verification is sent to
    set it up again on their next page."""
    # Not in one transaction with the delete: a wrong code's throttling must be kept.
    if verify_code(user=user, code=code) is None:
        raise ValidationError(WRONG_CODE,
                              code="wrong_code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session.pop(REQUIRED_SESSION_KEY, None)
    request.user.otp_device = None
    login_event_record(kind=LoginEvent.Kind.DEVICE_REMOVED, request=request, user=user)


@transaction.atomic
def totp_devices_reset(*, user: User) -> int:
    """Operators' recovery (`manage.py reset_two_factor`): remove every device of `user`, without
    a code. The caller has checked who is asking. Sessions already verified by a removed device
    lose that verification at their next request (OTPMiddleware finds no device)."""
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    if removed:
        login_event_record(kind=LoginEvent.Kind.DEVICE_REMOVED, user=user)
    return removed
