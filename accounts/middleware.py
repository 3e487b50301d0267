from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Speak a signed-in person's preferred language unless they just switched.

    Runs after LocaleMiddleware. The language switcher (Django's set_language)
    writes a cookie; an explicit choice in that cookie wins for the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.language
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
