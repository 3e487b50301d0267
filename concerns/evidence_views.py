"""Evidence files, served only after the same check as the concern page."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from concerns.evidence import evidence_for_user
from concerns.models import Evidence
from concerns.permissions import get_concern_for_user


@require_safe
def evidence_file(request, table_slug: str, pk: int, evidence_pk: int):
    """One evidence file of one concern; 404 for anyone who may not read the
    concern, and for a file of another concern under this concern's URL.

    Photos and audio open in the browser; a PDF is downloaded, because
    browsers refuse to show a PDF under the sandbox below (and a PDF viewer
    in our origin is what the sandbox is there to prevent).
    """
    concern = get_concern_for_user(request.user, table_slug, pk)
    evidence = get_object_or_404(evidence_for_user(request.user, concern), pk=evidence_pk)
    return evidence_response(evidence)


def evidence_response(evidence: Evidence) -> FileResponse:
    """The file itself, with headers that keep it inert; the caller checked the person may open it."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=evidence.content_type,
                            as_attachment=evidence.kind == Evidence.Kind.PDF,
                            filename=evidence.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Whatever the file holds, it runs no script and loads nothing in our origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
