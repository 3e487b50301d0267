"""How the API knows who is calling, beyond DRF's own classes.

Kept apart from mesa.api.auth (the token views): DRF imports this module while
rest_framework.views is still loading.
"""

from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication


class TwoFactorRequired(exceptions.PermissionDenied):
    default_detail = gettext_lazy(
        "Complete two-step verification on the website first: this session has not given "
        "the code from your authenticator app."
    )
    default_code = "two_factor_required"


class TwoFactorSessionAuthentication(SessionAuthentication):
    """DRF's session authentication (with its CSRF check), refusing with a 403 a session
    whose person still owes the second factor: the same rule as the pages."""

    def authenticate(self, request):
        from accounts.two_factor import two_factor_pending

        result = super().authenticate(request)
        if result is not None and two_factor_pending(request._request):
            raise TwoFactorRequired
        return result
