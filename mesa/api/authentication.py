"""How the API knows who is calling, beyond DRF's own classes.

Kept apart from mesa.api.auth (the token views): DRF imports this module while
rest_framework.views is still loading.
"""

from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


class TwoFactorRequired(exceptions.PermissionDenied):
    default_detail = gettext_lazy(
        "Complete two-step verification on the website first: this session has not given "
        "the code from your authenticator app."
    )
    default_code = "two_factor_required"


class TwoFactorNotSetUp(exceptions.PermissionDenied):
    default_detail = gettext_lazy(
        "Your role requires two-step verification: set it up on the website (your profile), "
        "then use this token again."
    )
    default_code = "two_factor_not_set_up"


class TwoFactorTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing with a 403 the token of a person who must use
    two-step verification and has not set it up: a token made as a citizen must not carry
    the powers of an official or the secretariat granted later, without the second factor.
    (A token is only issued after the code to a person with a device: mesa.api.auth.)"""

    def authenticate_credentials(self, key):
        from accounts.two_factor import has_confirmed_device, needs_two_factor

        user, token = super().authenticate_credentials(key)
        if needs_two_factor(user) and not has_confirmed_device(user):
            raise TwoFactorNotSetUp
        return user, token


class TwoFactorSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (with its CSRF check), refusing with a 403 a session
    whose person still owes the second factor: the same rule as the pages."""

    def authenticate(self, request):
        from accounts.two_factor import two_factor_pending

        result = super().authenticate(request)
        if result is not None and two_factor_pending(request._request):
            raise TwoFactorRequired
        return result
