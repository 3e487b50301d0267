"""Forms of the secretariat's pages. They check the shape of the input only;
the rules (who needs an institution, the last secretariat member, ...) live in
mesa.services, whose ValidationErrors the views put back on these forms.
"""

import zoneinfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mesa.models import Institution, Membership, MembershipChange, Organisation, Role, Table
from mesa.querysets import MembershipStatus

NOTE_MAX_LENGTH = MembershipChange._meta.get_field("note").max_length


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on `form`: on the field it names if the
    form has that field, otherwise as an error of the whole form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _active_or_current(queryset, current_pk: int | None):
    """The active choices, plus the one already chosen even if it was deactivated since."""
    condition = Q(is_active=True)
    if current_pk is not None:
        condition |= Q(pk=current_pk)
    return queryset.filter(condition)


class AffiliationFieldsMixin:
    """Institution and organisation choices limited to one table's active ones."""

    def _limit_affiliations(self, table: Table, *, institution_pk=None, organisation_pk=None):
        self.fields["institution"].queryset = _active_or_current(
            Institution.objects.filter(table=table), institution_pk
        )
        self.fields["organisation"].queryset = _active_or_current(
            Organisation.objects.filter(table=table), organisation_pk
        )


# --- Members ------------------------------------------------------------------------


class MembershipFilter(django_filters.FilterSet):
    """Filters of the member list. The status filter is for the secretariat only:
    other members only ever see active, verified people."""

    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices,
                                       empty_label=_("All roles"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=MembershipStatus.choices,
                                         empty_label=_("Any status"), method="filter_status")

    class Meta:
        model = Membership
        fields = ["role", "status"]

    def __init__(self, *args, show_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_status:
            del self.filters["status"]

    def filter_status(self, queryset, name, value):
        return queryset.with_status(value)


class InvitationForm(AffiliationFieldsMixin, forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.CITIZEN)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False,
        help_text=_("Only for an official: the institution they work for."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False,
        help_text=_("Only for a representative: the organisation they speak for."),
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_affiliations(table)


class RoleChangeForm(AffiliationFieldsMixin, forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False,
        help_text=_("Only for an official: the institution they work for."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False,
        help_text=_("Only for a representative: the organisation they speak for."),
    )
    position = forms.CharField(label=_("Position or title"), max_length=150, required=False)
    note = forms.CharField(
        label=_("Note for the record"), max_length=NOTE_MAX_LENGTH, required=False,
        help_text=_("Why the role changes. It is kept in the membership's history."),
    )

    def __init__(self, *args, membership: Membership, **kwargs):
        kwargs.setdefault("initial", {
            "role": membership.role,
            "institution": membership.institution_id,
            "organisation": membership.organisation_id,
            "position": membership.position,
        })
        super().__init__(*args, **kwargs)
        self._limit_affiliations(
            membership.table,
            institution_pk=membership.institution_id,
            organisation_pk=membership.organisation_id,
        )


class RefuseVerificationForm(forms.Form):
    note = forms.CharField(
        label=_("Why the claim is refused"), max_length=NOTE_MAX_LENGTH,
        help_text=_("The person stays at the table as a citizen. Say why, so they know."),
    )

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise ValidationError(_("Say why, so the person knows."), code="required")
        return note


class RemoveMemberForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record"), max_length=NOTE_MAX_LENGTH, required=False,
        help_text=_("Why this person is removed. It is kept in the membership's history."),
    )
    confirm = forms.BooleanField(
        label=_("Yes, remove this person from the table. Their record is kept."),
    )


# --- Institutions and organisations ----------------------------------------------------


class _UniqueNameInTableMixin:
    """The database allows one name per table; say so on the form, not with an error page."""

    duplicate_message = ""

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = type(self.instance).objects.filter(table_id=self.instance.table_id)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.filter(name__iexact=name).exists():
            raise ValidationError(self.duplicate_message, code="unique")
        return name


class InstitutionForm(_UniqueNameInTableMixin, forms.ModelForm):
    duplicate_message = _("This table already has an institution with this name.")

    class Meta:
        model = Institution
        fields = ["name", "acronym", "level", "is_active"]
        help_texts = {
            "is_active": _("Untick when the institution no longer takes part. "
                           "Its history stays; nobody can choose it any more."),
        }


class OrganisationForm(_UniqueNameInTableMixin, forms.ModelForm):
    duplicate_message = _("This table already has an organisation with this name.")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "is_active"]
        help_texts = {
            "is_active": _("Untick when the organisation no longer takes part. "
                           "Its history stays; nobody can choose it any more."),
        }


# --- Table settings -----------------------------------------------------------------


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TableSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Dates and times of this table are entered and shown in this zone."),
    )

    class Meta:
        model = Table
        fields = ["name", "city", "state", "description", "time_zone", "default_language",
                  "is_public", "dashboard_is_public", "agenda_notice_days"]
        labels = {"is_public": _("Open to the public"),
                  "dashboard_is_public": _("Accountability dashboard open to the public")}
        help_texts = {
            "is_public": _("Sessions and public concerns can be seen by people who are not "
                           "members. Untick to show them to members only."),
            "dashboard_is_public": _("At a table open to the public, anyone can see the dashboard of "
                                     "its public commitments. Untick to show it to members only; "
                                     "the open-data files stay public."),
            "agenda_notice_days": _("Members see a session's agenda this many days before it; "
                                    "the organisers can publish it earlier."),
            "default_language": _("The language of the table's pages for visitors who "
                                  "have not chosen one."),
        }
