from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MesaConfig(AppConfig):
    name = "mesa"
    verbose_name = _("Security dialogue tables")
    default_auto_field = "django.db.models.BigAutoField"
