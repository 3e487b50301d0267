"""Forms for coordinators, the secretariat and officials, and what the concern page needs of them.

The forms check the shape of the input only: which next statuses, subcommittees
and institutions exist to choose from. concerns.services decides the rest and
its ValidationErrors go back on these forms (mesa.forms.add_service_error).

The concern page (concerns.views) merges `triage_context` and `answer_context`
into its context and includes concerns/includes/triage_panel.html,
answer_form.html and, per answer, rating_form.html. Both return {} for people
who may do none of it, and the includes then render nothing.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from concerns import permissions
from concerns.models import DESCRIPTION_MAX_LENGTH, TRANSITIONS, Answer, Colonia, Concern, Rating, Status
from mesa.forms import MesaForm
from mesa.models import GovernmentLevel, Institution
from subcommittees.models import Subcommittee

REASON_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = Rating._meta.get_field("comment").max_length
COLONIA_NAME_MAX_LENGTH = Colonia._meta.get_field("name").max_length

SCORE_CHOICES = [
    (1, _("1: very poor")),
    (2, _("2: poor")),
    (3, _("3: acceptable")),
    (4, _("4: good")),
    (5, _("5: very good")),
]

# Statuses in which nobody is asked to answer yet (concerns.services.concern_assign refuses them).
NOT_YET_ACCEPTED = frozenset({Status.SUBMITTED, Status.REJECTED})


def _reason_field(label, help_text, *, required: bool) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=required,
                           max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class SubcommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Subcommittee) -> str:
        return obj.name  # in the active language


class InstitutionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj} · {GovernmentLevel(obj.level).label}"


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return str(obj)


# --- Triage -----------------------------------------------------------------------------


class ConcernStatusForm(MesaForm):
    """Only the statuses the concern may go to next (TRANSITIONS); the service checks again."""

    status = forms.ChoiceField(label=_("New status"), widget=forms.RadioSelect)
    reason = _reason_field(
        _("Reason"),
        _("Needed when you reject the concern: its reporter reads it."),
        required=False,
    )

    def __init__(self, *args, concern: Concern, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(concern.status, frozenset())
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]
        # Needed for a rejection (the service says so): not marked "optional" on the page.
        self.fields["reason"].show_optional = False


class ConcernRerouteForm(MesaForm):
    subcommittee = SubcommitteeChoiceField(
        label=_("Send it to the subcommittee"), queryset=Subcommittee.objects.none(),
        empty_label=_("Choose a subcommittee"),
    )
    reason = _reason_field(_("Why it goes there"), _("It is kept on the concern's timeline."),
                           required=True)

    def __init__(self, *args, concern: Concern, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's other active subcommittees: another table's or an archived one is
        # "not one of the available choices".
        self.fields["subcommittee"].queryset = (
            Subcommittee.objects.active().filter(table_id=concern.table_id)
            .exclude(pk=concern.subcommittee_id).order_by("pk")
        )


class ConcernAssignForm(MesaForm):
    institutions = InstitutionMultipleChoiceField(
        label=_("Institutions asked to answer"), queryset=Institution.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their verified officials can then post the official answer."),
    )

    def __init__(self, *args, concern: Concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].queryset = (
            Institution.objects.filter(table_id=concern.table_id, is_active=True)
            .exclude(pk__in=concern.assignments.values("institution_id"))
            .order_by("level", "name", "pk")
        )


class ConcernDuplicateForm(MesaForm):
    original = forms.IntegerField(
        label=_("Number of the original concern"), min_value=1,
        help_text=_("Its supporters and followers move to the original, and its reporter "
                    "is told where to follow it."),
    )


class ConcernHideForm(MesaForm):
    reason = _reason_field(_("Why it is hidden"),
                           _("Hidden, not deleted: the secretariat still sees it."), required=True)


class ConcernUnhideForm(MesaForm):
    """Nothing to fill in: the button is the whole form."""


# --- Answers and ratings ------------------------------------------------------------------


class AnswerForm(MesaForm):
    institution = InstitutionChoiceField(
        label=_("Answer in the name of"), queryset=Institution.objects.none(),
        widget=forms.RadioSelect, empty_label=None,
    )
    text = forms.CharField(label=_("Official answer"), max_length=DESCRIPTION_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Published in the institution's name; members also see "
                                       "your name."))

    def __init__(self, *args, institution_ids, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = Institution.objects.filter(pk__in=institution_ids).order_by("name", "pk")
        self.fields["institution"].queryset = queryset
        if len(institution_ids) == 1:
            self.fields["institution"].initial = next(iter(institution_ids))


class RatingForm(MesaForm):
    score = forms.TypedChoiceField(label=_("How well does this answer deal with the concern?"),
                                   choices=SCORE_CHOICES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH,
                              widget=forms.Textarea(attrs={"rows": 3}))


# --- Colonias ------------------------------------------------------------------------------


class ColoniaForm(MesaForm):
    name = forms.CharField(label=_("Name of the colonia"), max_length=COLONIA_NAME_MAX_LENGTH)

    def __init__(self, *args, table, colonia: Colonia | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.colonia = colonia

    def clean_name(self):
        # The database holds one name per table; say so on the form (whatever the case).
        name = self.cleaned_data["name"].strip()
        others = Colonia.objects.filter(table=self.table, name__iexact=name)
        if self.colonia is not None:
            others = others.exclude(pk=self.colonia.pk)
        if others.exists():
            raise ValidationError(_("This table already has a colonia with this name."),
                                  code="unique")
        return name


# --- What the concern page needs -------------------------------------------------------------


def triage_context(user, concern: Concern) -> dict:
    """Forms and flags for the triage panel of the concern page; {} for people who may not triage.

    The forms are unbound and prefixed like the views that receive them
    (concerns.triage_views), so their ids never clash with the page's own.
    """
    if not user.is_authenticated or not permissions.can_triage(user, concern):
        return {}
    kwargs = {"table_slug": concern.table.slug, "pk": concern.pk}
    return {
        "can_triage": True,
        "triage_url": reverse("concerns:triage", kwargs={"table_slug": concern.table.slug}),
        "triage_status_form": (ConcernStatusForm(concern=concern, prefix="status")
                               if TRANSITIONS.get(concern.status) else None),
        "triage_reroute_form": ConcernRerouteForm(concern=concern, prefix="reroute"),
        "triage_assign_form": (None if concern.status in NOT_YET_ACCEPTED
                               else ConcernAssignForm(concern=concern, prefix="assign")),
        "triage_duplicate_form": (ConcernDuplicateForm(prefix="duplicate")
                                  if concern.duplicate_of_id is None else None),
        "triage_hide_form": None if concern.is_hidden else ConcernHideForm(prefix="hide"),
        "triage_can_unhide": concern.is_hidden,
        "triage_action_urls": {
            name: reverse(f"concerns:concern-{name}", kwargs=kwargs)
            for name in ("status", "reroute", "assign", "duplicate", "hide", "unhide")
        },
    }


def answer_context(user, concern: Concern) -> dict:
    """The official-answer form for a verified official of an assigned institution, and what
    the rating form of each answer needs: `can_rate_answers` and `my_ratings` (answer id ->
    the person's Rating). {} for a visitor.

    Whether the person may rate does not depend on the answer (the reporter and the
    supporters rate every answer of the concern), so it is asked once, and the person's
    ratings of all the concern's answers come in one query.
    """
    if not user.is_authenticated:
        return {}
    context: dict = {"can_rate_answers": False, "my_ratings": {}, "rating_choices": SCORE_CHOICES}
    institution_ids = permissions.answerable_institution_ids(user, concern)
    if institution_ids:
        context["answer_form"] = AnswerForm(institution_ids=institution_ids, prefix="answer")
        context["answer_url"] = reverse("concerns:concern-answer", kwargs={
            "table_slug": concern.table.slug, "pk": concern.pk})
    if permissions.can_rate(user, Answer(concern=concern)):
        context["can_rate_answers"] = True
        context["my_ratings"] = {
            rating.answer_id: rating
            for rating in Rating.objects.filter(answer__concern=concern, user=user)
        }
    return context
