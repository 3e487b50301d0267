"""Session rules for every page: the idle timeout, then two-step verification.

Both run after AuthenticationMiddleware, OTPMiddleware and MessageMiddleware.
"""

import time
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import ngettext

# When the signed-in person last did something (Unix seconds).
LAST_ACTIVITY_SESSION_KEY = "mesa:last-activity"
# The stamp is rewritten at most this often, so that a page view is not a session write.
ACTIVITY_RESOLUTION_SECONDS = 60

# URL names (namespace:name) a person who still owes the second factor may reach.
TWO_FACTOR_OPEN_URL_NAMES = frozenset({
    "accounts:two-factor-setup",
    "accounts:two-factor-verify",
    "accounts:logout",
    "accounts:set-language",
    "set_language",  # django.conf.urls.i18n
    "healthz",
})


def stamp_activity(request, *, pin_expiry: bool = False) -> None:
    """Record activity now. With `pin_expiry` (at sign-in), the session's absolute lifetime
    (SESSION_COOKIE_AGE) is fixed from now: the activity stamp must not extend it."""
    now = int(time.time())
    request.session[LAST_ACTIVITY_SESSION_KEY] = now
    if pin_expiry or request.session.get("_session_expiry") is None:
        request.session.set_expiry(datetime.fromtimestamp(now + settings.SESSION_COOKIE_AGE, UTC))


def _login_url(request) -> str:
    url = reverse("accounts:login")
    if request.method in ("GET", "HEAD"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return url


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class IdleTimeoutMiddleware:
    """Signs out a session idle longer than MESA_IDLE_TIMEOUT_SECONDS.

    The next request after the pause logs the person out and sends them to the login page
    with a message (an API call goes on as anonymous and is answered as such).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            timeout = settings.MESA_IDLE_TIMEOUT_SECONDS
            if isinstance(last, int) and now - last > timeout:
                request.mesa_idle_timeout = True  # the logout is recorded as a timeout
                logout(request)
                if not _is_api(request):
                    minutes = max(1, timeout // 60)
                    messages.info(request, ngettext(
                        "You were signed out after %(minutes)d minute without activity.",
                        "You were signed out after %(minutes)d minutes without activity.",
                        minutes,
                    ) % {"minutes": minutes})
                    return redirect(_login_url(request))
            elif not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION_SECONDS:
                stamp_activity(request)
        return self.get_response(request)


class TwoFactorMiddleware:
    """Sends a person who still owes the second factor to set it up or to give a code.

    Who owes it is decided by accounts.two_factor; the API decides for itself
    (mesa.api.authentication.TwoFactorSessionAuthentication) and answers in JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from accounts import two_factor

        if _is_api(request) or request.path_info.startswith(settings.STATIC_URL):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_URL_NAMES:
            return None
        if not two_factor.two_factor_pending(request):
            return None
        if two_factor.has_confirmed_device(request.user):
            target = reverse("accounts:two-factor-verify")
        else:
            target = reverse("accounts:two-factor-setup")
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
