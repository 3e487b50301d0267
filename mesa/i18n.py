"""Which language a page speaks.

An explicit choice (the language switcher's cookie) wins; then a signed-in
person's preferred language; then, on a table's pages, the table's default
language (Spanish for Mexican tables, whatever the visitor's browser says);
elsewhere the browser's Accept-Language, and Spanish by default.
"""

from django.conf import settings
from django.utils import translation

# URL keyword arguments that name a table, by URL namespace.
TABLE_SLUG_KWARGS = {
    "mesa": "slug", "subcommittees": "table_slug", "concerns": "table_slug", "meetings": "table_slug",
    "commitments": "table_slug", "indicators": "table_slug", "reminders": "table_slug",
}


def has_explicit_choice(request) -> bool:
    return settings.LANGUAGE_COOKIE_NAME in request.COOKIES


class PreferredLanguageMiddleware:
    """Runs after LocaleMiddleware and AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not has_explicit_choice(request) and user is not None and user.is_authenticated:
            self._activate(request, user.language)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if has_explicit_choice(request) or request.user.is_authenticated:
            return None
        match = request.resolver_match
        kwarg = TABLE_SLUG_KWARGS.get(match.namespace if match else "")
        if kwarg and kwarg in view_kwargs:
            from mesa.models import Table  # middleware loads before the app registry is ready

            language = (
                Table.objects.filter(slug=view_kwargs[kwarg])
                .values_list("default_language", flat=True)
                .first()
            )
            if language:
                self._activate(request, language)
        return None

    @staticmethod
    def _activate(request, language: str) -> None:
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
