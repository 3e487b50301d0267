"""The preferences form: for each kind of message, the channels it goes by; news one by one or a
daily digest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mesa.forms import MesaForm
from reminders import channels
from reminders.models import Kind, NotificationPreferences

EACH = "each"
DAILY = "daily"


class PreferencesForm(MesaForm):
    follow_mode = forms.ChoiceField(
        label=_("News of what you follow"), widget=forms.RadioSelect,
        choices=[(EACH, _("A message for each answer or update")),
                 (DAILY, _("One digest a day, at 18:00, with everything new"))],
    )

    def __init__(self, *args, preferences: NotificationPreferences, **kwargs):
        kwargs.setdefault("initial", {})["follow_mode"] = DAILY if preferences.follow_digest else EACH
        super().__init__(*args, **kwargs)
        self.kinds = []
        for kind in Kind.chosen_by_people():
            names = []
            for channel in channels.configured():
                name = self.field_name(kind, channel.name)
                self.fields[name] = forms.BooleanField(
                    label=channel.label, required=False,
                    initial=preferences.wants(kind, channel.name))
                names.append(name)
            self.kinds.append((kind, names))

    @staticmethod
    def field_name(kind: str, channel: str) -> str:
        return f"{kind}__{channel}"

    def groups(self):
        """(kind's label, its bound channel fields), for the template's fieldsets."""
        return [(kind.label, [self[name] for name in names]) for kind, names in self.kinds]

    @property
    def follow_digest(self) -> bool:
        return self.cleaned_data["follow_mode"] == DAILY

    @property
    def muted(self) -> list[str]:
        return [NotificationPreferences.pair(kind, channel.name)
                for kind in Kind.chosen_by_people() for channel in channels.configured()
                if not self.cleaned_data[self.field_name(kind, channel.name)]]
