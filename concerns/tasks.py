from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(bind=True, max_retries=5, retry_backoff=True, autoretry_for=(OSError,))
def notify_assignment_task(self, assignment_id: int) -> None:
    """Tell the verified officials of an institution that it was asked to answer a concern.

    The mail names the reporter only to an official whom ReporterVisibility
    allows (for a restricted concern: only with the reporter's consent, and
    only to officials of an accused institution). Carries ids, not content:
    the Celery message holds nothing about the reporter.
    """
    from concerns.models import ConcernAssignment
    from concerns.permissions import can_view, reporter_visibility_for
    from mesa.models import Membership, Role

    assignment = (ConcernAssignment.objects
                  .select_related("concern__table", "concern__subcommittee", "concern__reporter",
                                  "institution")
                  .filter(pk=assignment_id).first())
    if assignment is None:
        return
    concern = assignment.concern
    officials = (Membership.objects.active().verified()
                 .filter(table=concern.table, role=Role.OFFICIAL, institution=assignment.institution)
                 .select_related("user"))
    for membership in officials:
        official = membership.user
        if not can_view(official, concern):
            continue
        with translation.override(official.language):
            context = {
                "concern": concern,
                "institution": assignment.institution,
                "reporter_name": reporter_visibility_for(official).reporter_name(concern),
                "url": settings.MESA_BASE_URL + concern.get_absolute_url(),
                "official": official,
            }
            subject = render_to_string("concerns/email/assigned_subject.txt", context).strip()
            body = render_to_string("concerns/email/assigned_body.txt", context)
        send_mail(subject, body, None, [official.email])


@shared_task
def ask_whether_resolved_task() -> int:
    """Hourly: ask each due reporter "was it resolved?" once, in their language."""
    from concerns.services import concern_ask_whether_resolved, concerns_due_for_resolution_check

    asked = 0
    for concern in concerns_due_for_resolution_check().select_related("table", "reporter"):
        if not concern_ask_whether_resolved(concern=concern):
            continue  # another worker got there first
        asked += 1
        reporter = concern.reporter
        if reporter is None:  # anonymous: the question waits on the receipt page
            continue
        with translation.override(reporter.language):
            context = {"concern": concern, "person": reporter,
                       "url": settings.MESA_BASE_URL + concern.get_absolute_url()}
            subject = render_to_string("concerns/email/resolution_check_subject.txt", context).strip()
            body = render_to_string("concerns/email/resolution_check_body.txt", context)
        send_mail(subject, body, None, [reporter.email])
    return asked
