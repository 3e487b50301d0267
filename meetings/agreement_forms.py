"""Forms of the agreement pages. They check the shape of the input; meetings.services decides.

Choices come from the session's own table and from what the person may read:
a concern of another table, or one they may not see, is never offered, and
typed as a number it is "not a concern of this table" (the same words for
both, so the form is no way to learn what exists).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from concerns.models import Concern
from meetings.models import AgendaItem, Proposal, ProposalStatus, Session
from mesa.forms import MesaFilterForm, MesaForm
from mesa.models import GovernmentLevel, Institution, Table

# PostgreSQL's bigint: a larger number is no concern id (and must not reach a query).
_MAX_ID = 2**63 - 1


class ConcernChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Concern) -> str:
        return f"#{obj.pk} · {obj.title}"


class ProposalChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Proposal) -> str:
        return f"{obj.title} · {obj.get_status_display()}"


class InstitutionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj} · {GovernmentLevel(obj.level).label}"


class ConcernNumbersField(forms.CharField):
    """Concern numbers typed by hand, separated by commas or spaces ("12, 15 #18").
    Cleans to a list of distinct ids; whether they are concerns of the table the
    person may read is the form's question (see concerns_from_numbers)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Other concern numbers"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", _("Numbers of other concerns of this table, separated by commas "
                                         "or spaces, e.g. 12, 15."))
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        text = super().to_python(value)
        if len(text) > self.max_length:
            raise ValidationError(_("Type at most %(limit)d characters."), code="max_length",
                                  params={"limit": self.max_length})
        numbers: list[int] = []
        for part in re.split(r"[\s,;]+", text):
            part = part.strip().lstrip("#")
            if not part:
                continue
            if not part.isdigit() or not 0 < int(part) <= _MAX_ID:
                raise ValidationError(_("“%(value)s” is not a concern number."), code="invalid",
                                      params={"value": part[:20]})
            if int(part) not in numbers:
                numbers.append(int(part))
        return numbers

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value) -> None:
        # CharField's length validators would measure the list; to_python measured the text.
        return None


def concerns_from_numbers(numbers: list[int], *, table: Table, user) -> list[Concern]:
    """The concerns of `table` that `user` may read with these numbers; ValidationError
    naming the numbers that are not (another table's, unknown, or not readable alike)."""
    if not numbers:
        return []
    found = {c.pk: c for c in Concern.objects.visible_to(user).filter(table=table, pk__in=numbers)}
    missing = [str(n) for n in numbers if n not in found]
    if missing:
        raise ValidationError(
            ngettext("There is no concern number %(numbers)s at this table.",
                     "There are no concerns numbered %(numbers)s at this table.", len(missing))
            % {"numbers": ", ".join(missing)},
            code="unknown_concern",
        )
    return [found[n] for n in numbers]


class AgreementForm(MesaForm):
    text = forms.CharField(
        label=_("Text of the agreement"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the text of the agreement.")},
        help_text=_("As agreed in the session. Once recorded it never changes: it can only be "
                    "withdrawn, with a reason."),
    )
    concerns = ConcernChoiceField(
        label=_("Concerns on this session's agenda"), queryset=Concern.objects.none(), required=False,
        help_text=_("Those on the agenda and those behind the proposals brought to this session."),
        widget=forms.CheckboxSelectMultiple,
    )
    other_concerns = ConcernNumbersField()
    proposals = ProposalChoiceField(
        label=_("Proposals it adopts"), queryset=Proposal.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Those submitted to this session come first. A proposal ticked here is "
                    "marked agreed."),
    )
    responsible_institutions = InstitutionMultipleChoiceField(
        label=_("Responsible institutions"), queryset=Institution.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, session: Session, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.session, self.user = session, user
        table = session.table
        # The concerns on the agenda, and those behind the proposals before this session.
        on_agenda = AgendaItem.concerns.through.objects.filter(agendaitem__session=session)
        behind_proposals = Proposal.concerns.through.objects.filter(
            Q(proposal__session=session) | Q(proposal__agenda_items__session=session))
        self.fields["concerns"].queryset = (
            Concern.objects.visible_to(user)
            .filter(Q(pk__in=on_agenda.values("concern_id"))
                    | Q(pk__in=behind_proposals.values("concern_id")), table=table)
            .order_by("-created_at", "-pk")
        )
        self.fields["proposals"].queryset = (
            Proposal.objects.visible_to(user)
            .filter(table=table).exclude(status=ProposalStatus.DRAFT)
            .annotate(here=Case(When(session=session, then=Value(0)), default=Value(1),
                                output_field=IntegerField()))
            .order_by("here", "-submitted_at", "-pk")
        )
        self.fields["responsible_institutions"].queryset = table.institutions.filter(is_active=True)

    def clean(self):
        cleaned = super().clean()
        chosen = list(cleaned.get("concerns") or [])
        if "other_concerns" in cleaned:
            try:
                typed = concerns_from_numbers(cleaned["other_concerns"], table=self.session.table,
                                              user=self.user)
            except ValidationError as error:
                self.add_error("other_concerns", error)
            else:
                chosen += [c for c in typed if c not in chosen]
        cleaned["all_concerns"] = chosen
        return cleaned


class AgreementFilterForm(MesaFilterForm):
    STATUS_IN_FORCE = "in_force"
    STATUS_WITHDRAWN = "withdrawn"

    institution = forms.ModelChoiceField(
        label=_("Responsible institution"), queryset=Institution.objects.none(), required=False,
        empty_label=_("Any institution"),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("In force or withdrawn")), (STATUS_IN_FORCE, _("In force")),
                 (STATUS_WITHDRAWN, _("Withdrawn"))],
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = table.institutions.all()
        self.fields["institution"].label_from_instance = (
            lambda obj: f"{obj} · {GovernmentLevel(obj.level).label}")


class AgreementWithdrawForm(MesaForm):
    reason = forms.CharField(
        label=_("Why the agreement is withdrawn"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the agreement is withdrawn.")},
        help_text=_("Everyone who can read the agreement sees this reason next to its text."),
    )
