from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = _("Concerns")
    default_auto_field = "django.db.models.BigAutoField"
