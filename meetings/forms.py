"""Forms of the session pages. They check the shape of the input; meetings.services decides.

Times are entered as a date and wall-clock times in the table's time zone and
combined with mesa.timezones.combine_in_zone: a time skipped when the clocks go
forward is refused on the field. Choices always come from the session's own
table (and what the person may see there): an id of another table's concern,
proposal, institution or member is "not one of the available choices".
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from concerns.models import Concern
from meetings.models import RSVP, AgendaItem, Proposal, ProposalStatus, Session
from mesa.forms import MesaForm
from mesa.models import GovernmentLevel, Institution, Membership, Role, Table
from mesa.timezones import combine_in_zone

PLENARY = "plenary"


def grouped_by_level(bound_field) -> list[tuple[str, list]]:
    """The checkboxes of an institution field, grouped by government level (federal, state,
    municipal), for a fieldset per level."""
    groups: dict[str, list] = {}
    for checkbox in bound_field:
        groups.setdefault(checkbox.data["value"].instance.level, []).append(checkbox)
    return [(label, groups[level]) for level, label in GovernmentLevel.choices if level in groups]


class InstitutionsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Institution) -> str:
        return str(obj)


def _table_institutions(table: Table, *, also=()):
    """The table's active institutions, and any of `also` (ids) even if no longer active."""
    return Institution.objects.filter(Q(is_active=True) | Q(pk__in=list(also)), table=table).order_by(
        "name", "pk")


# --- Sessions -------------------------------------------------------------------------


class TableForm(MesaForm):
    """A form about one table's records (`table` is keyword-only, passed down the MRO)."""

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table


class SessionTimesForm(TableForm):
    """A date and start and end times on that day, in the table's zone.

    After cleaning, cleaned_data["starts_at"] and ["ends_at"] are aware datetimes
    (the field names match the services', so their errors land on these fields)."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts_at = forms.TimeField(label=_("Starts at"),
                                widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends_at = forms.TimeField(label=_("Ends at"), help_text=_("On the same day."),
                              widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, table=table, **kwargs)
        zone_help = _("Times in the table's time zone: %(zone)s.") % {"zone": table.time_zone}
        self.fields["starts_at"].help_text = zone_help

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if day is None or start is None or end is None:
            return cleaned
        if end <= start:
            self.add_error("ends_at", _("The session must end after it starts."))
            return cleaned
        for name, clock in (("starts_at", start), ("ends_at", end)):
            try:
                cleaned[name] = combine_in_zone(day, clock, self.table.zone)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned

    @staticmethod
    def initial_times(session: Session) -> dict:
        starts, ends = session.local_starts_at(), session.local_ends_at()
        return {"date": starts.date(), "starts_at": starts.time(), "ends_at": ends.time()}


class SessionDetailsForm(TableForm):
    """What a session is about and where; its time is SessionTimesForm's."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Place"), max_length=250, required=False,
                            help_text=_("Give a place, an online meeting link, or both."))
    online_url = forms.URLField(label=_("Online meeting link"), max_length=500, required=False,
                                assume_scheme="https")
    is_public = forms.BooleanField(
        label=_("Open to non-members"), required=False, initial=True,
        help_text=_("At a table visible to non-members, anyone can see this session and its "
                    "agreements. Otherwise only the table's members can."),
    )
    quorum = forms.IntegerField(
        label=_("Members needed for quorum"), min_value=1, max_value=32767, required=False,
        help_text=_("Leave empty for a plenary to need more than half of the table's members; "
                    "a subcommittee session without a number has no quorum rule."),
    )
    invited_institutions = InstitutionsField(label=_("Institutions invited"), queryset=None,
                                             required=False)

    def __init__(self, *args, table: Table, invited_ids=(), **kwargs):
        super().__init__(*args, table=table, **kwargs)
        self.fields["invited_institutions"].queryset = _table_institutions(table, also=invited_ids)

    def institution_groups(self):
        return grouped_by_level(self["invited_institutions"])


class SessionCreateForm(SessionTimesForm, SessionDetailsForm):
    """Schedule a session: a plenary or a session of one of the subcommittees offered."""

    subcommittee = forms.ChoiceField(label=_("Session of"), widget=forms.RadioSelect)

    field_order = ["subcommittee", "title", "description", "date", "starts_at", "ends_at", "place",
                   "online_url", "is_public", "quorum", "invited_institutions"]

    def __init__(self, *args, table: Table, plenary: bool, subcommittees: list, **kwargs):
        super().__init__(*args, table=table, **kwargs)
        self.subcommittees = {s.slug: s for s in subcommittees}
        choices = [(PLENARY, _("Plenary of the whole table"))] if plenary else []
        choices += [(s.slug, s.name) for s in subcommittees]
        self.fields["subcommittee"].choices = choices
        if len(choices) == 1:
            self.fields["subcommittee"].initial = choices[0][0]
        self.fields["invited_institutions"].help_text = _(
            "For a plenary all the table's institutions are invited unless you untick them.")

    def clean_subcommittee(self):
        value = self.cleaned_data["subcommittee"]
        return None if value == PLENARY else self.subcommittees[value]


class SessionEditForm(SessionDetailsForm):
    pass


class SessionRescheduleForm(SessionTimesForm):
    reason = forms.CharField(label=_("Why it is moved"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Members see it on the session's page."))


class SessionCancelForm(MesaForm):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Members see it on the session's page."))


class SessionFilterForm(MesaForm):
    """?subcommittee=<slug> or ?subcommittee=plenary on the session lists."""

    subcommittee = forms.ChoiceField(label=_("Sessions of"), required=False)

    def __init__(self, *args, subcommittees: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.subcommittees = {s.slug: s for s in subcommittees}
        self.fields["subcommittee"].choices = [
            ("", _("The whole table")), (PLENARY, _("Plenaries only")),
            *((s.slug, s.name) for s in subcommittees),
        ]

    def chosen(self):
        """PLENARY, a Subcommittee, or None for everything (also when the value is not valid)."""
        if not self.is_valid():
            return None
        value = self.cleaned_data["subcommittee"]
        if value == PLENARY:
            return PLENARY
        return self.subcommittees.get(value)


class RSVPForm(MesaForm):
    answer = forms.ChoiceField(label=_("Will you attend?"), choices=RSVP.Answer.choices,
                               widget=forms.RadioSelect)


# --- Agenda ---------------------------------------------------------------------------


class ConcernsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Concern) -> str:
        return f"{obj.title} (#{obj.pk})"


class ProposalsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Proposal) -> str:
        return obj.title


class AgendaItemForm(MesaForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Details"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    duration_minutes = forms.IntegerField(label=_("Minutes planned"), min_value=1, max_value=32767,
                                          required=False)
    concerns = ConcernsField(label=_("Concerns discussed"), queryset=None, required=False)
    proposals = ProposalsField(label=_("Proposals discussed"), queryset=None, required=False,
                               help_text=_("Proposals submitted at this table."))

    def __init__(self, *args, table: Table, user, item: AgendaItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        linked_concerns = list(item.concerns.values_list("pk", flat=True)) if item else []
        linked_proposals = list(item.proposals.values_list("pk", flat=True)) if item else []
        visible = Concern.objects.visible_to(user).filter(table=table)
        # Listed concerns of this table the person may read, and those already linked.
        self.fields["concerns"].queryset = visible.filter(
            Q(pk__in=visible.listed().values("pk")) | Q(pk__in=linked_concerns)
        ).order_by("-support_count", "-created_at", "-pk")
        self.fields["proposals"].queryset = (
            Proposal.objects.visible_to(user).filter(table=table)
            .filter(~Q(status=ProposalStatus.DRAFT) | Q(pk__in=linked_proposals))
            .order_by("-created_at", "-pk")
        )
        if item is not None:
            self.initial.setdefault("concerns", linked_concerns)
            self.initial.setdefault("proposals", linked_proposals)


class AgendaMoveForm(MesaForm):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


# --- Attendance -----------------------------------------------------------------------


class MembersField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Membership) -> str:
        role = obj.get_role_display() if obj.is_verified else Role.CITIZEN.label
        if obj.role == Role.OFFICIAL and obj.is_verified and obj.institution_id:
            return f"{obj.user.display_name} · {role} · {obj.institution}"
        return f"{obj.user.display_name} · {role}"


class AttendanceForm(MesaForm):
    attendees = MembersField(label=_("Members present"), queryset=None, required=False)
    institutions = InstitutionsField(label=_("Institutions present"), queryset=None, required=False)

    def __init__(self, *args, session: Session, **kwargs):
        super().__init__(*args, **kwargs)
        table = session.table
        self.fields["attendees"].queryset = (
            Membership.objects.active().filter(table=table)
            .select_related("user", "institution").order_by("user__display_name", "pk")
        )
        present_institutions = list(session.institution_presences.values_list("institution_id", flat=True))
        self.fields["institutions"].queryset = _table_institutions(table, also=present_institutions)
        self.initial.setdefault("attendees", list(
            Membership.objects.active()
            .filter(table=table, user__in=session.attendances.values("user_id"))
            .values_list("pk", flat=True)
        ))
        self.initial.setdefault("institutions", present_institutions)

    def institution_groups(self):
        return grouped_by_level(self["institutions"])


# --- Minutes --------------------------------------------------------------------------


class MinutesForm(MesaForm):
    text = forms.CharField(label=_("Minutes"), max_length=100_000, widget=forms.Textarea(attrs={"rows": 16}))


class MinutesCorrectionForm(MinutesForm):
    reason = forms.CharField(label=_("What the correction changes and why"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
