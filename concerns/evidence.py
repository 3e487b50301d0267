"""Evidence attached to concerns: attach (write) and what a person may open (read).

Files are checked and cleaned by mesa.uploads.validate_upload and stored in
the private storage under a random name; concerns.evidence_views serves them
after a permission check.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from concerns import permissions
from concerns.models import Concern, ConcernEvent, Evidence
from mesa.uploads import (
    DEFAULT_MAX_FILES,
    display_name,
    random_file_name,
    validate_uploads,
)

MAX_FILES_PER_CONCERN = DEFAULT_MAX_FILES


@transaction.atomic
def evidence_attach(*, concern: Concern, files: Iterable, uploader: User | None) -> list[Evidence]:
    """Check every file, then store them all, or none.

    Caller has checked that `uploader` may add evidence to the concern (its
    reporter, right after concern_raise). For an anonymous concern the
    uploader and the original file names are dropped here, whoever is
    signed in. At most MAX_FILES_PER_CONCERN files per concern. Raises
    ValidationError({"evidence": [...]}) naming each refused file.
    """
    files = list(files)
    if not files:
        return []
    checked = validate_uploads(files)
    locked = Concern.objects.select_for_update().get(pk=concern.pk)
    if locked.evidence.count() + len(files) > MAX_FILES_PER_CONCERN:
        raise ValidationError({"evidence": ValidationError(
            _("A concern can have at most %(count)s files."), code="too_many_files",
            params={"count": MAX_FILES_PER_CONCERN})})
    anonymous = locked.is_anonymous
    saved: list[Evidence] = []
    try:
        for uploaded, upload in zip(files, checked, strict=True):
            evidence = Evidence(
                concern=locked, kind=upload.kind, content_type=upload.content_type,
                size=upload.size,
                original_name="" if anonymous else display_name(uploaded)[:255],
                uploaded_by=None if anonymous else uploader,
            )
            # save=False: the row is written once, below, with the file's final name.
            evidence.file.save(random_file_name(upload.extension), ContentFile(upload.content),
                               save=False)
            saved.append(evidence)
            evidence.save()
    except BaseException:
        # The rows roll back with the transaction; the files would stay behind.
        for evidence in saved:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return saved


@transaction.atomic
def evidence_hide(*, evidence: Evidence, reason: str, actor=None) -> Evidence:
    """Hide an abusive file (it is kept). Caller has checked can_triage on its concern."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why it is hidden.")})
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.hidden_at is not None:
        raise ValidationError(_("This file is already hidden."))
    evidence.hidden_at = timezone.now()
    evidence.hidden_reason = reason.strip()
    evidence.save(update_fields=["hidden_at", "hidden_reason"])
    ConcernEvent.objects.create(concern_id=evidence.concern_id, kind=ConcernEvent.Kind.HIDDEN,
                                actor=actor, note=f"evidence {evidence.pk}: {reason.strip()}")
    return evidence


@transaction.atomic
def evidence_unhide(*, evidence: Evidence, actor=None) -> Evidence:
    """Caller has checked can_triage on its concern."""
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.hidden_at is None:
        raise ValidationError(_("This file is not hidden."))
    ConcernEvent.objects.create(concern_id=evidence.concern_id, kind=ConcernEvent.Kind.UNHIDDEN,
                                actor=actor, note=f"evidence {evidence.pk}")
    evidence.hidden_at = None
    evidence.hidden_reason = ""
    evidence.save(update_fields=["hidden_at", "hidden_reason"])
    return evidence


def _may_see_hidden(user, concern: Concern) -> bool:
    """Hidden files: those who may hide them (coordinators, secretariat) and the reporter."""
    return permissions.is_reporter(user, concern) or permissions.can_triage(user, concern)


def evidence_for_user(user, concern: Concern):
    """The evidence of `concern` that `user` may open.

    Caller has checked that `user` may read the concern (get_concern_for_user
    or can_view): whoever may read a concern may open its evidence, hidden
    files excepted (see _may_see_hidden).
    """
    evidence = Evidence.objects.filter(concern=concern)
    if not _may_see_hidden(user, concern):
        evidence = evidence.filter(hidden_at__isnull=True)
    return evidence


def evidence_context(user, concern: Concern) -> dict:
    """{"evidence": [...]} for the concern page: the files `user` may open."""
    if not permissions.can_view(user, concern):
        return {"evidence": []}
    items = list(Evidence.objects.filter(concern=concern))
    # The permission queries only when there is something hidden to decide about.
    if any(item.is_hidden for item in items) and not _may_see_hidden(user, concern):
        items = [item for item in items if not item.is_hidden]
    for item in items:
        item.concern = concern  # links are built from the concern already loaded
    return {"evidence": items}
