"""A person's own account: sign-up, confirmation, log-in, profile, language, API token.

Thin views: check who is asking, call one service in accounts.services, then
redirect (POST-redirect-GET) with a message.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language
from rest_framework.authtoken.models import Token

from accounts import services
from accounts.forms import (
    EmailAuthenticationForm,
    PasswordResetRequestForm,
    PasswordResetSetForm,
    ProfileForm,
    SignupForm,
    VerificationResendForm,
)
from accounts.tokens import email_verification_token, user_from_uidb64
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


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule since 5.0); says goodbye in a message."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


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
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .select_related("table", "institution", "organisation")
        .order_by("table__name")
    )
    return render(request, "accounts/profile.html", {
        "form": form,
        "memberships": memberships,
        "api_token": Token.objects.filter(user=user).first(),
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

