"""The core of Mesa: tables, the institutions and organisations at them, and who belongs.

Writes go through mesa.services; reads through the querysets in mesa.querysets;
who may do what is decided in mesa.permissions.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mesa.querysets import MembershipQuerySet, TableQuerySet


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone, e.g. America/Ciudad_Juarez."),
            params={"value": value},
            code="invalid_time_zone",
        )


class GovernmentLevel(models.TextChoices):
    FEDERAL = "federal", _("Federal")
    STATE = "state", _("State")
    MUNICIPAL = "municipal", _("Municipal")


class Table(models.Model):
    """A security dialogue table (mesa de seguridad). Every other record hangs off one."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state or province"), max_length=100, blank=True)
    country = models.CharField(
        _("country code"),
        max_length=2,
        default="MX",
        help_text=_("Two-letter ISO code; decides public holidays."),
    )
    description = models.TextField(_("what this table is"), blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="America/Mexico_City",
        validators=[validate_time_zone],
        help_text=_("Dates and times of this table are entered and shown in this zone."),
    )
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="es"
    )
    is_public = models.BooleanField(
        _("visible to non-members"),
        default=True,
        help_text=_("Whether its sessions and public concerns can be seen by people who are not members."),
    )
    dashboard_is_public = models.BooleanField(
        _("accountability dashboard open to non-members"),
        default=True,
        help_text=_("At a table visible to non-members, whether anyone can see the accountability "
                    "dashboard of its public commitments."),
    )
    unanswered_after_days = models.PositiveSmallIntegerField(
        _("days until a concern without an official answer is flagged"), default=10,
    )
    resolution_check_after_days = models.PositiveSmallIntegerField(
        _("days after a concern is marked resolved before its reporter is asked to confirm it"),
        default=28,
    )
    agenda_notice_days = models.PositiveSmallIntegerField(
        _("days before a session its agenda is published to members"), default=7,
        validators=[MaxValueValidator(60)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TableQuerySet.as_manager()

    class Meta:
        verbose_name = _("security dialogue table")
        verbose_name_plural = _("security dialogue tables")
        ordering = ["name"]
        permissions = [
            ("view_table_content", _("See the table's sessions and public concerns")),
            ("view_member_list", _("See who the table's members are")),
            ("manage_members", _("Invite members, verify officials and change roles")),
            ("manage_subcommittees", _("Add, rename and archive subcommittees")),
            ("manage_institutions", _("Maintain the table's institutions and organisations")),
            ("act_as_official", _("Act as a verified official of an institution")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mesa:table-detail", kwargs={"slug": self.slug})

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Institution(models.Model):
    """A government body taking part in a table, at one level of government."""

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="institutions", verbose_name=_("table")
    )
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    level = models.CharField(_("government level"), max_length=10, choices=GovernmentLevel.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["table", "name"], name="mesa_institution_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class OrganisationKind(models.TextChoices):
    CIVIL_SOCIETY = "civil_society", _("Civil-society organisation")
    BUSINESS = "business", _("Business chamber or association")


class Organisation(models.Model):
    """A civil-society organisation or business body that is a member of a table."""

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("table")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["table", "name"], name="mesa_organisation_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    REPRESENTATIVE = "representative", _("Organisation representative")
    OFFICIAL = "official", _("Official")
    COORDINATOR = "coordinator", _("Subcommittee coordinator")
    SECRETARIAT = "secretariat", _("Secretariat")


# Roles whose claim speaks for someone else and must be verified by the secretariat.
ROLES_NEEDING_VERIFICATION = frozenset({Role.OFFICIAL, Role.REPRESENTATIVE})


class Membership(models.Model):
    """A person's place at a table. Never deleted: leaving sets `left_at`."""

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("table")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    position = models.CharField(_("position or title"), max_length=150, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["table", "role", "joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "user"],
                condition=Q(left_at__isnull=True),
                name="mesa_membership_one_active_per_table",
            ),
            models.CheckConstraint(
                condition=~Q(role="official") | Q(institution__isnull=False),
                name="mesa_membership_official_has_institution",
            ),
            models.CheckConstraint(
                condition=~Q(role="representative") | Q(organisation__isnull=False),
                name="mesa_membership_representative_has_organisation",
            ),
        ]
        indexes = [models.Index(fields=["table", "role"], name="mesa_membership_table_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.table}"

    def clean(self):
        super().clean()
        if self.role == Role.OFFICIAL and self.institution_id is None:
            raise ValidationError({"institution": _("An official belongs to an institution.")})
        if self.role == Role.REPRESENTATIVE and self.organisation_id is None:
            raise ValidationError({"organisation": _("A representative speaks for an organisation.")})
        if self.institution_id and self.institution.table_id != self.table_id:
            raise ValidationError({"institution": _("This institution is not part of this table.")})
        if self.organisation_id and self.organisation.table_id != self.table_id:
            raise ValidationError({"organisation": _("This organisation is not part of this table.")})

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def needs_verification(self) -> bool:
        return self.role in ROLES_NEEDING_VERIFICATION

    @property
    def is_verified(self) -> bool:
        return not self.needs_verification or self.verified_at is not None

    @property
    def is_pending_verification(self) -> bool:
        return self.is_active and not self.is_verified


class MembershipChange(models.Model):
    """Who changed a membership, when, and what: the secretariat's audit trail."""

    class Action(models.TextChoices):
        JOINED = "joined", pgettext_lazy("membership change", "Joined")
        INVITED = "invited", pgettext_lazy("membership change", "Invited")
        ROLE_CHANGED = "role_changed", pgettext_lazy("membership change", "Role changed")
        VERIFIED = "verified", pgettext_lazy("membership change", "Verified")
        VERIFICATION_REFUSED = "verification_refused", pgettext_lazy(
            "membership change", "Verification refused"
        )
        LEFT = "left", pgettext_lazy("membership change", "Left")
        REMOVED = "removed", pgettext_lazy("membership change", "Removed")

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="changes", verbose_name=_("membership")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    from_role = models.CharField(_("previous role"), max_length=20, choices=Role.choices, blank=True)
    to_role = models.CharField(_("new role"), max_length=20, choices=Role.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("membership change")
        verbose_name_plural = _("membership changes")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.membership}"


def _new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """The secretariat's invitation to join a table in a given role.

    The person accepts it signed in with the invited email address. An
    official or representative invited by the secretariat is verified on
    acceptance: the secretariat vouched for them when it invited them.
    """

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("table")
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("institution")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organisation")
    )
    token = models.CharField(max_length=64, unique=True, default=_new_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.table}"

    def get_absolute_url(self) -> str:
        return reverse("mesa:invitation-accept", kwargs={"token": self.token})

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()
