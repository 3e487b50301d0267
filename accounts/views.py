"""A person's own account: sign-up, confirmation, log-in, profile, language, API token.

Thin views: check who is asking, call one service in accounts.services, then
redirect (POST-redirect-GET) with a message.
"""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login
from rest_framework.authtoken.models import Token

from accounts import services, two_factor
from accounts.forms import (
    EmailAuthenticationForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    ProfileForm,
    SignupForm,
    TwoFactorCodeForm,
    VerificationResendForm,
)
from accounts.models import LoginEvent
from accounts.tokens import email_verification_token, user_from_uidb64
from mesa import ratelimit
from mesa.models import Membership

# The key of a just-created API token, kept in the session until the profile shows it once.
NEW_API_TOKEN_SESSION_KEY = "accounts:new-api-token"  # noqa: S105 - a session key, not a secret


def _safe_next(request, url: str | None) -> str:
    """`url` if it stays on this site, else ""."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _set_language_cookie(response, language: str) -> None:
    """The same cookie as django.views.i18n.set_language, so the switch is immediate."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


# --- Sign-up and email confirmation ------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.user_signup(
                email=data["email"],
                display_name=data["display_name"],
                language=data["language"],
                phone=data["phone"],
                password=data["password1"],
                next_url=_safe_next(request, data["next"]),
            )
            # The same answer whether or not the address already had an account.
            return redirect("accounts:signup-done")
    else:
        form = SignupForm(initial={"next": _safe_next(request, request.GET.get("next"))})
    return render(request, "accounts/signup.html", {"form": form})


def signup_done(request):
    return render(request, "accounts/signup_done.html", {
        "max_age_hours": max(1, settings.ACCOUNT_VERIFICATION_MAX_AGE // 3600),
    })


@never_cache
def verify(request, uidb64: str, token: str):
    user = user_from_uidb64(uidb64)
    if user is None or not user.is_active or not email_verification_token.check_token(user, token):
        return render(request, "accounts/verify_invalid.html", {
            "form": VerificationResendForm(),
        })
    services.user_verify_email(user=user)
    messages.success(request, _("Thank you: your email address is confirmed."))
    next_url = _safe_next(request, request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_url or "accounts:profile")
    # Log in with the password rather than by the link: a link can be forwarded.
    messages.info(request, _("You can now log in."))
    login_url = reverse("accounts:login")
    if next_url:
        login_url += "?" + urlencode({"next": next_url})
    return redirect(login_url)


@require_http_methods(["GET", "POST"])
def verify_resend(request):
    if request.user.is_authenticated:
        if request.method == "POST":
            if request.user.is_email_verified:
                messages.info(request, _("Your email address is already confirmed."))
            else:
                services.email_verification_send(user=request.user)
                messages.success(request, _(
                    "We sent a new confirmation link to %(email)s. It may take a few minutes."
                ) % {"email": request.user.email})
        return redirect("accounts:profile")
    if request.method == "POST":
        form = VerificationResendForm(request.POST)
        if form.is_valid():
            services.email_verification_resend(email=form.cleaned_data["email"])
            return redirect("accounts:signup-done")
    else:
        form = VerificationResendForm()
    return render(request, "accounts/verify_resend.html", {"form": form})


# --- Log in and out ----------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        """After the password, the second factor first for those who need it."""
        url = super().get_success_url()
        if two_factor.two_factor_pending(self.request):
            return _two_factor_url(self.request.user, url)
        return url


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule since 5.0); says goodbye in a message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


# --- Two-step verification ---------------------------------------------------------------

# Code attempts per person and address in CODE_WINDOW_SECONDS, on top of django-otp's
# growing wait after each wrong code and of axes' lockout (wrong codes count as failed sign-ins).
CODE_ATTEMPTS = 10
CODE_WINDOW_SECONDS = 15 * 60


def _two_factor_url(user, next_url: str = "") -> str:
    has_device = two_factor.has_confirmed_device(user)
    url = reverse("accounts:two-factor-verify" if has_device else "accounts:two-factor-setup")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return url


def _code_attempt_allowed(request, scope: str) -> bool:
    """Within this site's limit, and not in django-otp's wait after a wrong code."""
    return ratelimit.allow(
        request, f"{scope}:{request.user.pk}", limit=CODE_ATTEMPTS, window_seconds=CODE_WINDOW_SECONDS,
    ) and two_factor.code_attempt_allowed(request.user)


def _too_many_attempts(form) -> None:
    form.add_error("code", _("Too many attempts. Wait a few minutes, then enter the code your app "
                             "shows."))


def _next_from(request) -> str:
    return _safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _qr_code_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no JavaScript, no style attribute)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code",
        title=_("QR code that adds Mesa to your authenticator app"),
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 - made by segno


def _grouped(secret: str) -> str:
    """ABCD EFGH ...: easier to type from the screen."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    next_url = _next_from(request)
    if two_factor.has_confirmed_device(user):
        if not user.is_verified():
            return redirect(_two_factor_url(user, next_url))
        messages.info(request, _("Two-step verification is already set up."))
        return redirect(reverse("accounts:profile") + "#two-factor")
    device = two_factor.unsaved_device(user, two_factor.setup_key(request))
    form = TwoFactorCodeForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        if not _code_attempt_allowed(request, "two-factor-setup"):
            _too_many_attempts(form)
        else:
            try:
                two_factor.totp_device_confirm(request=request, user=user, key=device.key,
                                               code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                request.session.cycle_key()
                messages.success(request, _("Two-step verification is on. From now on you will be "
                                            "asked for a code from your app when you log in."))
                return redirect(next_url or reverse("accounts:profile") + "#two-factor")
    return render(request, "accounts/two_factor_setup.html", {
        "form": form,
        "otpauth_uri": device.config_url,
        "qr_code": _qr_code_svg(device.config_url),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "required": two_factor.needs_two_factor(user),
    })


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    next_url = _next_from(request)
    if user.is_verified():
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if not two_factor.has_confirmed_device(user):
        return redirect(_two_factor_url(user, next_url))
    form = TwoFactorCodeForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        if not _code_attempt_allowed(request, "two-factor-verify"):
            _too_many_attempts(form)
        elif (device := two_factor.verify_code(user=user, code=form.cleaned_data["code"])) is None:
            # A wrong code counts towards the lockout like a wrong password (and is recorded).
            user_login_failed.send(sender=__name__, request=request, credentials={
                "username": user.get_username(), "mesa_second_factor": True})
            if getattr(request, "axes_locked_out", False):
                logout(request)  # AxesMiddleware answers with the lockout page
                return redirect("accounts:login")
            form.add_error("code", two_factor.WRONG_CODE)
        else:
            otp_login(request, device)
            request.session.cycle_key()
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@never_cache
@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def two_factor_remove(request):
    user = request.user
    if not two_factor.has_confirmed_device(user):
        return redirect(reverse("accounts:profile") + "#two-factor")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _code_attempt_allowed(request, "two-factor-remove"):
            _too_many_attempts(form)
        else:
            try:
                two_factor.totp_device_remove(request=request, user=user, code=form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc)
            else:
                messages.success(request, _("Two-step verification is removed from your account."))
                if two_factor.needs_two_factor(user):
                    return redirect("accounts:two-factor-setup")
                return redirect(reverse("accounts:profile") + "#two-factor")
    return render(request, "accounts/two_factor_remove.html", {
        "form": form, "required": two_factor.needs_two_factor(user),
    })


# --- Password reset and change -------------------------------------------------------

password_reset = auth_views.PasswordResetView.as_view(
    form_class=PasswordResetRequestForm,
    template_name="registration/password_reset_form.html",
    success_url=reverse_lazy("accounts:password-reset-done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="registration/password_reset_done.html",
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=PasswordResetSetForm,
    template_name="registration/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="registration/password_reset_complete.html",
)
password_change = auth_views.PasswordChangeView.as_view(
    template_name="registration/password_change_form.html",
    success_url=reverse_lazy("accounts:password-change-done"),
)
password_change_done = auth_views.PasswordChangeDoneView.as_view(
    template_name="registration/password_change_done.html",
)


# --- Profile -----------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_update_profile(
                    user=user,
                    display_name=data["display_name"],
                    language=data["language"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # Say it in the language just chosen, and keep speaking it.
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
                messages.success(request, _("Your profile is saved."))
                response = redirect("accounts:profile")
                _set_language_cookie(response, user.language)
                return response
        # Nothing was saved: show what is stored, not what was typed, outside the form.
        user.refresh_from_db()
    else:
        form = ProfileForm(instance=user)
    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("table", "institution", "organisation")
        .order_by("table__name")
    )
    return render(request, "accounts/profile.html", {
        "form": form,
        "memberships": memberships,
        "api_token": Token.objects.filter(user=user).first(),
        "two_factor_on": two_factor.has_confirmed_device(user),
        "two_factor_required": two_factor.needs_two_factor(user),
        # Only the person themselves sees these (and superusers, in the admin).
        "login_events": LoginEvent.objects.filter(user=user)[:10],
        # In the clock of the person's (first) table, as every other time on the site.
        "login_events_zone": memberships[0].table.time_zone if memberships else "UTC",
        "new_api_token": request.session.pop(NEW_API_TOKEN_SESSION_KEY, None),
    })


# --- Language ------------------------------------------------------------------------


def set_language(request):
    """django.views.i18n.set_language, and a signed-in person's choice is remembered.

    Like Django's, a GET only redirects; the choice is made by POST. Unlike
    Django's, a language Mesa does not offer sets no cookie: Django would keep
    any language it has a catalogue for (French, say), and that cookie would
    then override the person's preference on every page.
    """
    response = django_set_language(request)
    language = request.POST.get("language", "") if request.method == "POST" else ""
    if language not in dict(settings.LANGUAGES):
        response.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    elif request.user.is_authenticated:
        services.user_set_language(user=request.user, language=language)
    return response


# --- API token ---------------------------------------------------------------------


@login_required
@require_POST
def api_token_create(request):
    try:
        token = services.api_token_create(user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        request.session[NEW_API_TOKEN_SESSION_KEY] = token.key
    return redirect(reverse("accounts:profile") + "#api-token")


def _api_token_confirm(request, *, action: str):
    """GET asks to confirm (works without JavaScript); POST does it."""
    if request.method == "POST":
        if action == "regenerate":
            token = services.api_token_regenerate(user=request.user)
            request.session[NEW_API_TOKEN_SESSION_KEY] = token.key
        elif services.api_token_revoke(user=request.user):
            messages.success(request, _("Your API token is revoked. It no longer works."))
        else:
            messages.info(request, _("You had no API token."))
        return redirect(reverse("accounts:profile") + "#api-token")
    if not Token.objects.filter(user=request.user).exists():
        return redirect(reverse("accounts:profile") + "#api-token")
    return render(request, "accounts/api_token_confirm.html", {"action": action})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token_regenerate(request):
    return _api_token_confirm(request, action="regenerate")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request):
    return _api_token_confirm(request, action="revoke")

