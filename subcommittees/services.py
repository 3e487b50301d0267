"""Writes to subcommittees. Callers check permissions first (subcommittees.permissions)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import User
from mesa import permissions as mesa_permissions
from mesa.models import Membership, Role, Table
from subcommittees.models import Subcommittee

COORDINATE = "subcommittees.coordinate_subcommittee"


def _in_both_languages(label) -> tuple[str, str]:
    with translation.override("es"):
        name_es = str(label)
    with translation.override("en"):
        name_en = str(label)
    return name_es, name_en


# Slugs that are page addresses under /t/<table>/subcommittees/.
RESERVED_SLUGS = frozenset({"new"})


def _free_slug(text: str, taken: set[str]) -> str:
    base = slugify(text)[:50] or "subcommittee"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _unique_slug(table: Table, text: str, *, exclude_pk: int | None = None) -> str:
    taken = Subcommittee.objects.filter(table=table).exclude(pk=exclude_pk)
    return _free_slug(text, set(taken.values_list("slug", flat=True)) | RESERVED_SLUGS)


@transaction.atomic
def subcommittees_create_standing(*, table: Table) -> list[Subcommittee]:
    """The five standing subcommittees; running it again creates nothing new."""
    existing = Subcommittee.objects.filter(table=table)
    themes_present = set(existing.exclude(standing_theme="").values_list("standing_theme", flat=True))
    slugs_taken = set(existing.values_list("slug", flat=True)) | RESERVED_SLUGS
    created = []
    for theme in Subcommittee.Theme:
        if theme in themes_present:
            continue
        name_es, name_en = _in_both_languages(theme.label)
        slug = _free_slug(name_es if table.default_language == "es" else name_en, slugs_taken)
        slugs_taken.add(slug)
        created.append(Subcommittee(table=table, name_es=name_es, name_en=name_en,
                                    standing_theme=theme, slug=slug))
    # Names and slugs are ours, checked by the table's constraints; one INSERT for all.
    return Subcommittee.objects.bulk_create(created)


@transaction.atomic
def subcommittee_create(*, table: Table, name_es: str, name_en: str = "",
                        description: str = "") -> Subcommittee:
    """Caller has checked can_manage_subcommittees on `table`."""
    subcommittee = Subcommittee(
        table=table, name_es=name_es.strip(), name_en=name_en.strip(), description=description,
        slug=_unique_slug(table, name_es or name_en),
    )
    if not subcommittee.name_es and not subcommittee.name_en:
        raise ValidationError({"name_es": _("Give the subcommittee a name.")})
    subcommittee.full_clean()
    subcommittee.save()
    return subcommittee


@transaction.atomic
def subcommittee_update(*, subcommittee: Subcommittee, name_es: str, name_en: str,
                        description: str) -> Subcommittee:
    """Caller has checked can_manage_subcommittees. The slug stays, so links keep working."""
    subcommittee.name_es = name_es.strip()
    subcommittee.name_en = name_en.strip()
    subcommittee.description = description
    if not subcommittee.name_es and not subcommittee.name_en:
        raise ValidationError({"name_es": _("Give the subcommittee a name.")})
    subcommittee.full_clean()
    subcommittee.save()
    return subcommittee


@transaction.atomic
def subcommittee_archive(*, subcommittee: Subcommittee) -> Subcommittee:
    """Caller has checked can_manage_subcommittees."""
    if subcommittee.is_archived:
        raise ValidationError(_("This subcommittee is already archived."))
    subcommittee.archived_at = timezone.now()
    subcommittee.save(update_fields=["archived_at"])
    return subcommittee


@transaction.atomic
def subcommittee_unarchive(*, subcommittee: Subcommittee) -> Subcommittee:
    """Caller has checked can_manage_subcommittees."""
    subcommittee.archived_at = None
    subcommittee.save(update_fields=["archived_at"])
    return subcommittee


@transaction.atomic
def subcommittee_set_coordinators(*, subcommittee: Subcommittee, users: list[User]) -> Subcommittee:
    """Caller has checked can_manage_subcommittees. Coordinators are active
    members of the table with the coordinator or secretariat role."""
    eligible_ids = set(
        Membership.objects.active()
        .filter(table=subcommittee.table, role__in=(Role.COORDINATOR, Role.SECRETARIAT))
        .values_list("user_id", flat=True)
    )
    wrong = [u for u in users if u.pk not in eligible_ids]
    if wrong:
        raise ValidationError(
            {"coordinators": _("Only members with the coordinator or secretariat role can coordinate.")}
        )
    current = set(subcommittee.coordinators.all())
    wanted = set(users)
    for user in current - wanted:
        remove_perm(COORDINATE, user, subcommittee)
        mesa_permissions.forget_cached_permissions(user)
    for user in wanted - current:
        assign_perm(COORDINATE, user, subcommittee)
        mesa_permissions.forget_cached_permissions(user)
    subcommittee.coordinators.set(wanted)
    return subcommittee


@transaction.atomic
def coordinator_remove_everywhere(*, table: Table, user: User) -> None:
    """When a person stops being a coordinator, they coordinate nothing at that table."""
    for subcommittee in Subcommittee.objects.filter(table=table, coordinators=user):
        subcommittee.coordinators.remove(user)
        remove_perm(COORDINATE, user, subcommittee)
    mesa_permissions.forget_cached_permissions(user)
