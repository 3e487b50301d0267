"""Forms of the subcommittee pages. They check the shape of the input; subcommittees.services decides."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from mesa.forms import MesaForm
from mesa.models import Membership, Role
from subcommittees.models import Subcommittee


class SubcommitteeForm(MesaForm):
    """Names in both languages (one is enough) and a description."""

    name_es = forms.CharField(
        label=_("Name in Spanish"), max_length=150, required=False,
        help_text=_("Give at least one name; the other language shows it when its own is missing."),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=150, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What this subcommittee works on."),
    )


class CoordinatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} · {Role(obj.table_role).label}"


class SubcommitteeCoordinatorsForm(MesaForm):
    coordinators = CoordinatorChoiceField(
        label=_("Coordinators"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Active members with the coordinator or secretariat role."),
    )

    def __init__(self, *args, subcommittee: Subcommittee, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the people the service accepts; any other id is "not one of the choices".
        eligible = Membership.objects.active().filter(
            table=subcommittee.table, role__in=(Role.COORDINATOR, Role.SECRETARIAT)
        )
        self.fields["coordinators"].queryset = (
            get_user_model().objects.filter(pk__in=eligible.values("user_id"))
            .annotate(table_role=Subquery(eligible.filter(user=OuterRef("pk")).values("role")[:1]))
            .order_by("display_name", "pk")
        )
