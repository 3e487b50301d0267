from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MesaConfig(AppConfig):
    name = "mesa"
    verbose_name = _("Security dialogue tables")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from mesa.counts import forget_counts_when_changed
        from mesa.models import Membership

        forget_counts_when_changed(Membership)  # the member counts of the table page
