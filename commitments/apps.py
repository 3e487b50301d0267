from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    """Commitments that agreements give institutions, their action updates with
    evidence, the members' review of what was delivered, the accountability
    dashboard and the open-data export."""

    name = "commitments"
    verbose_name = _("Commitments and action updates")
    default_auto_field = "django.db.models.BigAutoField"
