from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mesa.models import Table


class SubcommitteeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def with_list_data(self):
        return self.select_related("table").prefetch_related("coordinators")


class Subcommittee(models.Model):
    """A thematic working group of a table. Archived, never deleted."""

    class Theme(models.TextChoices):
        # The five standing subcommittees every table starts with.
        ACCESS_TO_JUSTICE = "access_to_justice", _("Access to justice")
        THREAT_RESPONSE = "threat_response", _("Immediate response to threats")
        VIOLENT_THEFT = "violent_theft", _("Violent theft")
        HUMAN_RIGHTS = "human_rights", _("Human rights")
        INDICATORS = "indicators", _("Performance indicators")

    table = models.ForeignKey(
        Table, on_delete=models.PROTECT, related_name="subcommittees", verbose_name=_("table")
    )
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    slug = models.SlugField(_("short name in addresses"), max_length=60)
    description = models.TextField(_("description"), blank=True)
    standing_theme = models.CharField(
        _("standing theme"), max_length=30, choices=Theme.choices, blank=True,
        help_text=_("Set for the five standing subcommittees."),
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="coordinated_subcommittees",
        verbose_name=_("coordinators"),
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SubcommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("subcommittee")
        verbose_name_plural = _("subcommittees")
        ordering = ["table", "pk"]
        permissions = [("coordinate_subcommittee", _("Coordinate the subcommittee"))]
        constraints = [
            models.UniqueConstraint(fields=["table", "slug"], name="subcommittee_unique_slug"),
            models.UniqueConstraint(
                fields=["table", "standing_theme"], condition=~Q(standing_theme=""),
                name="subcommittee_unique_standing_theme",
            ),
            models.CheckConstraint(
                condition=~Q(name_es="") | ~Q(name_en=""), name="subcommittee_has_a_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "subcommittees:subcommittee-detail",
            kwargs={"table_slug": self.table.slug, "slug": self.slug},
        )

    @property
    def name(self) -> str:
        """The name in the active language, falling back to the other one."""
        if (get_language() or "es").startswith("en"):
            return self.name_en or self.name_es
        return self.name_es or self.name_en

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
