"""Forms of the commitment pages. They check the shape of the input; commitments.services decides.

Field names are the services' keyword names, so a service's ValidationError
lands on the field it is about (mesa.forms.add_service_error). Choices always
come from the commitment's own table: an id of another table's institution,
official, session or update is "not one of the available choices". Dates are
dates in the table's time zone (a date input, no time).
"""

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from commitments.models import QUANTITY_MAX, ActionUpdate, Commitment, CommitmentStatus, Verdict
from meetings.models import Agreement, Session
from mesa.forms import InstitutionChoiceField, MesaFilterForm, MesaForm
from mesa.models import GovernmentLevel, Institution, Membership, Role, Table
from mesa.uploads import EvidenceFilesField


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _quantity_field(label, help_text=""):
    return forms.IntegerField(label=label, required=False, min_value=0, max_value=QUANTITY_MAX,
                              help_text=help_text)


class InstitutionsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj} · {GovernmentLevel(obj.level).label}"


class OfficialsField(forms.ModelMultipleChoiceField):
    """Verified officials of the table, each with the institution they act for."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: User) -> str:
        institution = getattr(obj, "institution_name", None)
        return f"{obj.display_name} · {institution}" if institution else obj.display_name


def verified_officials(table: Table):
    """Verified officials of `table`, by name, each annotated with `institution_name`."""
    memberships = Membership.objects.active().verified().filter(table=table, role=Role.OFFICIAL)
    institution = memberships.filter(user=OuterRef("pk")).order_by("pk").values("institution__name")[:1]
    return (User.objects.filter(pk__in=memberships.values("user_id"))
            .annotate(institution_name=Subquery(institution)).order_by("display_name", "pk"))


# --- The list's filters ------------------------------------------------------------------


# The list's status filter also takes "pending": open or in progress (the dashboard's column).
PENDING = "pending"


class CommitmentFilterForm(MesaFilterForm):
    """The list's filters, read from the query string (the dashboard links here with them)."""

    institution = InstitutionChoiceField(
        label=_("Responsible institution"), queryset=Institution.objects.none(), required=False,
        empty_label=_("Any institution"),
    )
    level = forms.ChoiceField(
        label=_("Government level"), required=False,
        choices=[("", _("Any level")), *GovernmentLevel.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", pgettext_lazy("commitment status", "Any status")),
                 (PENDING, pgettext_lazy("commitment status", "Pending (open or in progress)")),
                 *CommitmentStatus.choices],
    )
    agreement = forms.ModelChoiceField(
        label=_("Agreement"), queryset=Agreement.objects.none(), required=False,
        empty_label=_("Any agreement"),
    )
    overdue = forms.BooleanField(label=_("Only overdue commitments"), required=False)

    def __init__(self, *args, table: Table, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = table.institutions.order_by("level", "name")
        with_commitments = Commitment.objects.filter(table=table).values("agreement_id")
        agreements = Agreement.objects.visible_to(user).filter(table=table, pk__in=with_commitments)
        self.fields["agreement"].queryset = agreements.order_by("-created_at", "-pk")
        self.fields["agreement"].label_from_instance = lambda obj: obj.code


# --- Recording and editing a commitment --------------------------------------------------


class CommitmentEditForm(MesaForm):
    """What was committed and how much (institution and due dates have their own forms)."""

    description = forms.CharField(
        label=_("What was committed"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say what was committed.")},
    )
    co_responsible = InstitutionsField(
        label=_("Co-responsible institutions"), queryset=Institution.objects.none(), required=False,
        help_text=_("Institutions the agreement names, at another level of government than the "
                    "responsible institution."),
    )
    responsible_officials = OfficialsField(
        label=_("Responsible officials"), queryset=User.objects.none(), required=False,
        help_text=_("Verified officials of the responsible institution. Only members of the table "
                    "see their names."),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=80, required=False,
        help_text=_("What is counted, e.g. public prosecutors. Leave empty if nothing is counted."),
    )
    requested = _quantity_field(_("Requested"), _("How many the table asked for."))
    committed = _quantity_field(_("Committed"), _("How many the institution committed to."))

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.named = agreement.responsible_institutions.filter(is_active=True).order_by("level", "name")
        self.fields["co_responsible"].queryset = self.named
        self.fields["responsible_officials"].queryset = verified_officials(agreement.table)

    @classmethod
    def for_commitment(cls, data, commitment: Commitment):
        initial = {
            "description": commitment.description, "unit": commitment.unit,
            "requested": commitment.requested, "committed": commitment.committed,
            "co_responsible": [i.pk for i in commitment.co_responsible.all()],
            "responsible_officials": [u.pk for u in commitment.responsible_officials.all()],
        }
        return cls(data, agreement=commitment.agreement, initial=initial)


class CommitmentForm(CommitmentEditForm):
    institution = InstitutionChoiceField(
        label=_("Responsible institution"), queryset=Institution.objects.none(),
        empty_label=_("Choose an institution"),
        error_messages={"required": _("Choose the institution that commits.")},
    )
    due_on = forms.DateField(
        label=_("Due date"), widget=_date_input(),
        error_messages={"required": _("Give the due date.")},
    )

    field_order = ["institution", "co_responsible", "responsible_officials", "description", "due_on",
                   "unit", "requested", "committed"]

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, agreement=agreement, **kwargs)
        table = agreement.table
        # The institutions the agreement names, if it names any; else any active one of the table.
        owners = self.named if self.named.exists() else table.institutions.filter(is_active=True)
        self.fields["institution"].queryset = owners.order_by("level", "name")
        self.fields["due_on"].help_text = _("A date in the table's time zone (%(zone)s).") % {
            "zone": table.time_zone}


# --- Due date and status -----------------------------------------------------------------


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Session) -> str:
        return f"{obj.code} · {obj.title}"


class DueDateForm(MesaForm):
    due_on = forms.DateField(
        label=_("New due date"), widget=_date_input(),
        error_messages={"required": _("Give the new due date.")},
    )
    reason = forms.CharField(
        label=_("Why the due date moves"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the due date moves.")},
        help_text=_("Everyone who can see the commitment sees the reason, beside the original date."),
    )
    agreed_at = SessionChoiceField(
        label=_("Agreed at session"), queryset=Session.objects.none(), required=False,
        empty_label=_("Not agreed at a session"),
    )
    agreed_by = forms.CharField(
        label=_("Agreed by"), max_length=300, required=False,
        help_text=_("Who agreed to it, e.g. the plenary or the coordinators."),
    )

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        table = commitment.table
        self.fields["agreed_at"].queryset = table.sessions.order_by("-starts_at", "-pk")
        self.fields["due_on"].help_text = _("A date in the table's time zone (%(zone)s).") % {
            "zone": table.time_zone}


class StatusForm(MesaForm):
    status = forms.ChoiceField(label=_("New status"), choices=CommitmentStatus.choices)
    reason = forms.CharField(
        label=_("Why"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to withdraw a commitment. Withdrawing is final: a withdrawn commitment "
                    "takes no more changes or updates, and stays on record."),
    )

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(value, label) for value, label in CommitmentStatus.choices
                                         if value != commitment.status]


# --- Action updates, comments, reviews ---------------------------------------------------


class UpdateChoiceField(forms.ModelChoiceField):
    """An earlier update of the commitment, by its number on the commitment's page."""

    def __init__(self, *args, **kwargs):
        self.numbers: dict[int, int] = {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: ActionUpdate) -> str:
        number = self.numbers.get(obj.pk, obj.pk)
        return f"#{number} · {obj.action_on.isoformat()} · {obj.text[:60]}"


class UpdateForm(MesaForm):
    text = forms.CharField(
        label=_("What was done"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Say what was done.")},
        help_text=_("An update is never edited or deleted: to put something right, post a correction."),
    )
    action_on = forms.DateField(
        label=_("Date of the action"), widget=_date_input(),
        error_messages={"required": _("Give the date of the action.")},
    )
    delivered_change = forms.IntegerField(
        label=_("Change in the delivered quantity"), required=False, initial=0,
        min_value=-QUANTITY_MAX, max_value=QUANTITY_MAX,
    )
    corrects = UpdateChoiceField(
        label=_("Corrects update"), queryset=ActionUpdate.objects.none(), required=False,
        empty_label=_("Not a correction"),
        help_text=_("Only a correction can take delivered quantities back."),
    )
    evidence = EvidenceFilesField(label=_("Evidence"))

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        updates = commitment.updates.order_by("created_at", "pk")
        self.fields["corrects"].queryset = updates
        self.fields["corrects"].numbers = {pk: n for n, pk in enumerate(updates.values_list("pk", flat=True),
                                                                         start=1)}
        if not self.fields["corrects"].numbers:
            del self.fields["corrects"]
        if commitment.has_quantity:
            self.fields["delivered_change"].help_text = _(
                "How many more %(unit)s were delivered with this action (negative only in a "
                "correction). Delivered so far: %(delivered)s.") % {
                "unit": commitment.unit, "delivered": commitment.delivered}
        else:
            del self.fields["delivered_change"]
        self.fields["action_on"].help_text = _("A date in the table's time zone (%(zone)s).") % {
            "zone": commitment.table.time_zone}

    def clean_delivered_change(self) -> int:
        return self.cleaned_data.get("delivered_change") or 0


class CommentForm(MesaForm):
    text = forms.CharField(
        label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the comment.")},
    )

    @classmethod
    def for_update(cls, update: ActionUpdate, data=None):
        """One per update on the commitment's page: same field name, ids of its own."""
        return cls(data, auto_id=f"id_update{update.pk}_%s")


class ReviewForm(MesaForm):
    verdict = forms.ChoiceField(
        label=_("Was the reported delivery made?"), widget=forms.RadioSelect,
        choices=[(Verdict.CONFIRMED, _("I confirm it")), (Verdict.DISPUTED, _("I dispute it"))],
        error_messages={"required": _("Choose whether you confirm or dispute the delivery.")},
    )
    comment = forms.CharField(
        label=_("Comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to dispute it: say what you dispute."),
    )
