"""API tokens: obtain one with email and password, revoke your own.

Obtaining a token is signing in, so it goes through the same gate as the
login page: django.contrib.auth.authenticate with the request, where
AxesStandaloneBackend (first in AUTHENTICATION_BACKENDS) refuses a locked-out
email + address, and a failure counts towards the lockout. A person with a
confirmed two-factor device must also give a current one-time code; a person
who must use two-step verification (accounts.two_factor) and has not set it up
gets no token until they do, on the website.

A browser session that has not given its second factor is refused (403) by
mesa.api.authentication.TwoFactorSessionAuthentication.
"""

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token, user_has_device
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.two_factor import needs_two_factor


class LockedOut(exceptions.APIException):
    status_code = settings.AXES_HTTP_RESPONSE_CODE
    default_detail = gettext_lazy(
        "Too many failed sign-in attempts. Your account is locked for a while; try again later."
    )
    default_code = "locked_out"


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="",
        help_text="The current one-time code, for people with two-factor authentication on.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


_ERROR = inline_serializer("TokenErrorResponse", {"detail": serializers.CharField()})


class AuthTokenView(APIView):
    """POST to get your API token (the same token until revoked); DELETE to revoke it.

    Send it as ``Authorization: Token <token>``.
    """

    throttle_scope = "login"

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    def get_throttles(self):
        # Throttle sign-in attempts only; revoking is harmless.
        if self.request.method == "POST":
            return [ScopedRateThrottle()]
        return []

    @extend_schema(
        summary="Obtain an API token",
        request=TokenObtainSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong email, password or one-time code, or a role "
                                 "that requires two-step verification not set up yet."),
            429: OpenApiResponse(_ERROR, description="Locked out after repeated failures, "
                                 "or too many attempts in a minute."),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        # The DRF request is passed (not request._request) so that axes marks
        # the lockout on it and AxesMiddleware leaves this JSON answer alone.
        user = authenticate(request=request, username=email,
                            password=serializer.validated_data["password"])
        if getattr(request, "axes_locked_out", False):
            raise LockedOut
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("The email address or the password is wrong.")]}
            )
        has_device = user_has_device(user)
        if not has_device and needs_two_factor(user):
            raise exceptions.ValidationError({"non_field_errors": [_(
                "Your role requires two-step verification. Set it up on the website (your "
                "profile, “Set up two-step verification”), then ask for a token with "
                "the code from your authenticator app."
            )]}, code="two_factor_setup_required")
        if has_device and match_token(user, serializer.validated_data["otp_token"]) is None:
            # A wrong code counts towards the lockout like a wrong password (and is recorded).
            user_login_failed.send(sender=__name__, request=request,
                                   credentials={"username": email, "mesa_second_factor": True})
            if getattr(request, "axes_locked_out", False):
                raise LockedOut
            raise exceptions.ValidationError(
                {"otp_token": [_("Enter the current code from your authenticator app.")]}
            )
        # Signing in: updates last_login and lets axes clear the failures.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(summary="Revoke your API token", request=None,
                   responses={204: OpenApiResponse(description="Revoked.")})
    def delete(self, request, *args, **kwargs):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TwoFactorSessionScheme(SessionScheme):
    """The OpenAPI description of the API's session authentication: DRF's cookie session."""

    target_class = "mesa.api.authentication.TwoFactorSessionAuthentication"
