"""Forms of the table pages. They check the shape of the input; mesa.services decides."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mesa.models import GovernmentLevel, Institution, Organisation, Role, Table


class MesaForm(forms.Form):
    """Labels without a trailing colon (the templates style them), like every Mesa form."""

    label_suffix = ""


class MesaFilterForm(MesaForm):
    """A list's filters, read from the query string: a value that is not a choice is a form error
    and filters nothing."""

    def value(self, name: str):
        """The cleaned value of a filter, or None when it is absent or not valid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or None

    @property
    def filtered(self) -> bool:
        return any(self.value(name) for name in self.fields)


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on a field the form has, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj} · {GovernmentLevel(obj.level).label}"


class TableJoinForm(MesaForm):
    """'I take part as': a citizen, an official of one of the table's institutions,
    or a representative of one of its organisations."""

    role = forms.ChoiceField(label=_("I take part as"), widget=forms.RadioSelect)
    institution = InstitutionChoiceField(
        label=_("Institution you work for"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Choose an institution"),
    )
    position = forms.CharField(
        label=_("Your position or title"),
        max_length=150,
        required=False,
        help_text=_("For example: deputy prosecutor, district police commander."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation you represent"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Choose an organisation"),
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        # Only this table's active institutions and organisations: an id of
        # another table's is "not one of the available choices".
        institutions = table.institutions.filter(is_active=True).order_by("name")
        organisations = table.organisations.filter(is_active=True).order_by("name")
        self.fields["institution"].queryset = institutions
        self.fields["organisation"].queryset = organisations
        # A claim is offered only when there is something to claim.
        self.offers_official = institutions.exists()
        self.offers_representative = organisations.exists()
        choices = [(Role.CITIZEN.value, _("A citizen"))]
        if self.offers_official:
            choices.append((Role.OFFICIAL.value, _("An official of one of this table's institutions")))
        if self.offers_representative:
            choices.append(
                (Role.REPRESENTATIVE.value, _("A representative of one of this table's organisations"))
            )
        self.fields["role"].choices = choices
        self.fields["role"].initial = Role.CITIZEN

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == Role.OFFICIAL and not cleaned.get("institution") and "institution" not in self.errors:
            self.add_error("institution", _("Choose the institution you work for."))
        if (role == Role.REPRESENTATIVE and not cleaned.get("organisation")
                and "organisation" not in self.errors):
            self.add_error("organisation", _("Choose the organisation you represent."))
        return cleaned
