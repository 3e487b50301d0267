from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "concerns"
    verbose_name = _("Concerns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from concerns.models import Concern, ConcernAssignment
        from mesa.counts import forget_counts_when_changed

        # The lists count concerns, and filter them by the institutions accused or asked.
        forget_counts_when_changed(Concern, Concern, ConcernAssignment, Concern.accused_institutions.through)
