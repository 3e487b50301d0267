"""Forms of the concern pages. They check the shape of the input; concerns.services decides.

Choices always come from the concern's own table: an id of another table's
subcommittee, colonia or institution is "not one of the available choices",
and a visibility the person may not choose is refused the same way.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concerns.models import DESCRIPTION_MAX_LENGTH, Colonia, Status, Visibility
from mesa.forms import MesaFilterForm, MesaForm
from mesa.models import Institution, Table
from mesa.uploads import EvidenceFilesField

OTHER_COLONIA = "other"

# What each visibility means, in plain words, shown next to its radio button.
VISIBILITY_EXPLANATIONS = {
    Visibility.PUBLIC: _(
        "Everyone who can see this table's concerns reads it, with your display name."
    ),
    Visibility.RESTRICTED: _(
        "Members of the table read it. Only the coordinators of its subcommittee and the "
        "secretariat know it was you."
    ),
    Visibility.ANONYMOUS: _(
        "No account needed, and nothing links it to your account if you have one. Nobody, not even "
        "the people who run this site, can know it was you. You get a receipt code: keep it, it is "
        "the only way to follow your concern."
    ),
}


class SubcommitteeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ConcernForm(MesaForm):
    subcommittee = SubcommitteeChoiceField(
        label=_("Theme"),
        queryset=None,
        empty_label=_("Choose a theme"),
        help_text=_("The subcommittee of this theme will look at your concern."),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200,
        help_text=_("In a few words, for example: “Extortion of shopkeepers at the market”."),
    )
    description = forms.CharField(
        label=_("What happened"), max_length=DESCRIPTION_MAX_LENGTH, widget=forms.Textarea,
        help_text=_("Say what happened and what you ask for. Leave out anything that could "
                    "identify you if you do not want to be known."),
    )
    colonia = forms.ChoiceField(label=_("Colonia"), required=False)
    colonia_other = forms.CharField(
        label=_("Name of the colonia"), max_length=150, required=False,
        help_text=_("Only if you chose “Another colonia”."),
    )
    happened_on = forms.DateField(
        label=_("Date of the events"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    place = forms.CharField(
        label=_("Place of the events"), max_length=200, required=False,
        help_text=_("A street, a corner, a building: whatever helps to understand."),
    )
    accused_institutions = forms.ModelMultipleChoiceField(
        label=_("Institutions the concern is about"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick them if the concern is about what an institution did or failed to do."),
    )
    evidence = EvidenceFilesField(label=_("Evidence"))
    visibility = forms.ChoiceField(label=_("Who may know about it"), widget=forms.RadioSelect)
    consent_to_accused = forms.BooleanField(
        label=_("Let the institutions I accuse know it was me"), required=False,
        help_text=_("Only for a restricted concern, and off unless you tick it. If you tick it, "
                    "the verified officials of the institutions you ticked above see your name "
                    "on this concern. You can withdraw it later."),
    )

    def __init__(self, *args, table: Table, visibilities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.fields["subcommittee"].queryset = table.subcommittees.active().order_by("pk")
        self.colonias = {str(c.pk): c for c in Colonia.objects.filter(table=table, is_active=True)}
        self.fields["colonia"].choices = [
            ("", _("Choose a colonia")),
            *((pk, colonia.name) for pk, colonia in self.colonias.items()),
            (OTHER_COLONIA, _("Another colonia")),
        ]
        self.fields["accused_institutions"].queryset = Institution.objects.filter(
            table=table, is_active=True
        ).order_by("name")
        self.fields["visibility"].choices = [
            (value, Visibility(value).label) for value in Visibility.values if value in visibilities
        ]
        if len(visibilities) == 1:
            self.fields["visibility"].initial = visibilities[0]
        self.visibility_explanations = {value: VISIBILITY_EXPLANATIONS[value] for value in visibilities}

    def clean_happened_on(self):
        happened_on = self.cleaned_data.get("happened_on")
        if happened_on and happened_on > timezone.localdate(timezone=self.table.zone):
            raise forms.ValidationError(_("The date of the events cannot be in the future."))
        return happened_on

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("colonia") or ""
        cleaned["colonia_other"] = (cleaned.get("colonia_other") or "").strip()
        if choice == OTHER_COLONIA:
            cleaned["colonia"] = None
            if not cleaned["colonia_other"] and "colonia_other" not in self.errors:
                self.add_error("colonia_other", _("Write the name of the colonia."))
        else:
            cleaned["colonia"] = self.colonias.get(choice)
            cleaned["colonia_other"] = ""
        if cleaned.get("visibility") != Visibility.RESTRICTED:
            cleaned["consent_to_accused"] = False
        return cleaned


class ConcernFilterForm(MesaFilterForm):
    """The filters of a concern list, read from the query string (a GET form that works without JS).

    Only fields the viewer may see are offered: visibility only to members,
    hidden concerns only to those who triage. There is never a reporter filter.
    """

    ORDER_PRIORITY, ORDER_NEWEST = "priority", "newest"

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    subcommittee = SubcommitteeChoiceField(label=_("Theme"), queryset=None, required=False,
                                           empty_label=_("All themes"))
    colonia = forms.ModelChoiceField(label=_("Colonia"), queryset=None, required=False,
                                     empty_label=_("All colonias"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=None, required=False,
                                         empty_label=_("All institutions"))
    visibility = forms.ChoiceField(label=_("Who may know about it"), required=False)
    order = forms.ChoiceField(label=_("Order"), required=False, choices=[
        (ORDER_PRIORITY, _("Most supported first")),
        (ORDER_NEWEST, _("Newest first")),
    ])
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("Listed concerns")),
        ("hidden", _("Hidden concerns")),
    ])

    def __init__(self, *args, table: Table, members_view: bool, triage_view: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subcommittee"].queryset = table.subcommittees.order_by("pk")
        self.fields["colonia"].queryset = Colonia.objects.filter(table=table).order_by("name")
        self.fields["institution"].queryset = Institution.objects.filter(table=table).order_by("name")
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (value, label) for value, label in Status.choices if value != Status.REJECTED
        ]
        if members_view:
            self.fields["visibility"].choices = [("", _("Everyone"))] + list(Visibility.choices)
        else:
            del self.fields["visibility"]
        if not triage_view:
            del self.fields["show"]


class ReplyForm(MesaForm):
    text = forms.CharField(label=_("Your reply"), max_length=DESCRIPTION_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 4}))


class ReopenForm(MesaForm):
    reason = forms.CharField(label=_("What is still missing"), max_length=DESCRIPTION_MAX_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ReceiptForm(MesaForm):
    code = forms.CharField(
        label=_("Receipt code"), max_length=64,
        help_text=_("The code you got when you raised the concern, such as ABCD-EFGH-JKMN-PQRS-TVWX. "
                    "Capitals, spaces and dashes do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
    )


class ReceiptRatingForm(MesaForm):
    answer = forms.IntegerField(widget=forms.HiddenInput)
    score = forms.TypedChoiceField(label=_("Your rating"), coerce=int,
                                   choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
