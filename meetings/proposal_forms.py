"""Forms of the proposal pages. They check the shape of the input; meetings.services decides
(a quantity without a unit, a plenary that is not upcoming, a note missing for a rejection)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concerns.models import Concern
from meetings.agreement_forms import ConcernChoiceField, ConcernNumbersField, concerns_from_numbers
from meetings.models import Proposal, ProposalStatus, Session, SessionStatus
from mesa.forms import InstitutionChoiceField, MesaFilterForm, MesaForm
from mesa.models import Table
from subcommittees.models import Subcommittee


class SubcommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Subcommittee) -> str:
        return obj.name


class ProposalForm(MesaForm):
    """Drafting (with a subcommittee to choose) and editing a draft (without)."""

    subcommittee = SubcommitteeChoiceField(
        label=_("Subcommittee"), queryset=Subcommittee.objects.none(),
        empty_label=_("Choose a subcommittee"),
    )
    title = forms.CharField(label=_("Title"), max_length=200,
                            help_text=_("In a few words, e.g. “200 public prosecutors, not 5,000 "
                                        "more police”."))
    request = forms.CharField(label=_("What is requested"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    institution = InstitutionChoiceField(
        label=_("Requested from"), queryset=None, required=False,
        empty_label=_("No institution in particular"),
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=2_147_483_647,
                                  required=False, help_text=_("Where it fits, e.g. 200."))
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False,
                           help_text=_("What the quantity counts, e.g. public prosecutors."))
    concerns = ConcernChoiceField(
        label=_("Concerns it comes from"), queryset=Concern.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Most recent first."),
    )
    other_concerns = ConcernNumbersField()

    def __init__(self, *args, table: Table, user, subcommittees=None, proposal: Proposal | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.table, self.user = table, user
        if subcommittees is None:
            del self.fields["subcommittee"]
        else:
            self.fields["subcommittee"].queryset = Subcommittee.objects.filter(
                pk__in=[s.pk for s in subcommittees]).order_by("pk")
        self.fields["institution"].queryset = table.institutions.filter(is_active=True)
        visible = Concern.objects.visible_to(user).filter(table=table)
        offered = Q(pk__in=Concern.objects.listed().values("pk"))
        if proposal is not None:
            # A concern already linked stays offered even if it is no longer listed.
            offered |= Q(pk__in=proposal.concerns.values("pk"))
        self.fields["concerns"].queryset = visible.filter(offered).order_by("-created_at", "-pk")

    def clean(self):
        cleaned = super().clean()
        chosen = list(cleaned.get("concerns") or [])
        if "other_concerns" in cleaned:
            try:
                typed = concerns_from_numbers(cleaned["other_concerns"], table=self.table, user=self.user)
            except ValidationError as error:
                self.add_error("other_concerns", error)
            else:
                chosen += [c for c in typed if c not in chosen]
        cleaned["all_concerns"] = chosen
        return cleaned


class PlenaryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        starts = timezone.localtime(obj.starts_at, obj.table.zone)
        return f"{obj.code} · {obj.title} · {starts:%Y-%m-%d %H:%M} ({obj.table.time_zone})"


def upcoming_plenaries(table: Table):
    return (Session.objects.filter(table=table, subcommittee__isnull=True,
                                   status__in=[SessionStatus.SCHEDULED, SessionStatus.RESCHEDULED])
            .upcoming().select_related("table"))


class ProposalSubmitForm(MesaForm):
    session = PlenaryChoiceField(
        label=_("Plenary"), queryset=Session.objects.none(), empty_label=_("Choose a plenary"),
        error_messages={"invalid_choice": _("Choose an upcoming plenary of this table."),
                        "required": _("Choose an upcoming plenary of this table.")},
        help_text=_("The table's upcoming plenaries. Once submitted, the proposal no longer changes."),
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = upcoming_plenaries(table)


class ProposalDecideForm(MesaForm):
    status = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(ProposalStatus.DISCUSSED.value, _("Discussed (the plenary may come back to it)")),
                 (ProposalStatus.REJECTED.value, _("Rejected"))],
    )
    note = forms.CharField(label=_("Note on the decision"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required for a rejection: say why."))


class ProposalFilterForm(MesaFilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False)
    subcommittee = SubcommitteeChoiceField(label=_("Subcommittee"), queryset=Subcommittee.objects.none(),
                                           required=False, empty_label=_("Any subcommittee"))

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *ProposalStatus.choices]
        self.fields["subcommittee"].queryset = table.subcommittees.order_by("archived_at", "pk")
