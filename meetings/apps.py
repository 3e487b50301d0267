from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    """Plenaries and subcommittee sessions, their agendas, attendance, minutes,
    agreements, and the proposals that feed them.

    Named "meetings" because the app label "sessions" belongs to
    django.contrib.sessions; addresses and the API still say "sessions".
    """

    name = "meetings"
    verbose_name = _("Sessions and agreements")
    default_auto_field = "django.db.models.BigAutoField"
