from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Performance indicators of a table: baselines, targets, observations per period
    (optionally per colonia), their import and export, trend charts, the justice chain,
    and the citizens' rating of the authorities' answers beside them."""

    name = "indicators"
    verbose_name = _("Performance indicators")
    default_auto_field = "django.db.models.BigAutoField"
