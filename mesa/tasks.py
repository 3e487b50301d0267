from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation


@shared_task(name="mesa.ping", ignore_result=False)
def ping_task() -> str:
    """Round trip through the broker and a worker; used by operators and tests."""
    return "pong"


@shared_task(bind=True, max_retries=5, retry_backoff=True, autoretry_for=(OSError,))
def send_invitation_email_task(self, invitation_id: int) -> None:
    from accounts.models import User
    from mesa.models import Invitation

    invitation = (
        Invitation.objects.select_related("table", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:  # accepted or gone meanwhile
        return
    known = User.objects.filter(email__iexact=invitation.email).first()
    language = known.language if known else invitation.table.default_language
    with translation.override(language):
        context = {
            "invitation": invitation,
            "table": invitation.table,
            "role": invitation.get_role_display(),
            "url": settings.MESA_BASE_URL + invitation.get_absolute_url(),
        }
        subject = render_to_string("mesa/email/invitation_subject.txt", context).strip()
        body = render_to_string("mesa/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
