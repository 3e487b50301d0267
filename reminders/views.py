"""The in-app inbox (a person's reminders) and a table's reminder log (the secretariat's).

Thin views: find the message or table through reminders.permissions (another
person's message is a 404; the log is the secretariat's, 403 for others), read
through reminders.querysets, write with one conditional UPDATE, redirect with a
message. The log shows send times in the table's time zone; the inbox shows each
message's time in the zone of the table that sent it.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from mesa import permissions as mesa_permissions
from mesa.forms import MesaFilterForm
from reminders import dispatch, permissions, services
from reminders.forms import PreferencesForm
from reminders.models import Kind, State, preferences_of
from reminders.querysets import inbox_of, reminder_log

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


# --- The inbox ------------------------------------------------------------------------------


@login_required
@require_safe
def inbox_list(request):
    messages_ = inbox_of(request.user).with_list_data().order_by("-created_at", "-pk")
    page = Paginator(messages_, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reminders/inbox_list.html", {"page": page, "unread": request.user.inbox_unread})


@login_required
@require_safe
def inbox_detail(request, pk: int):
    """Show one's own message; opening it marks it read (once: the first read time stays)."""
    message = permissions.get_inbox_message_for_user(request.user, pk)
    if message.read_at is None:
        now = timezone.now()
        if services.inbox_mark_read(user=request.user, now=now, pk=message.pk):
            message.read_at = now
    return render(request, "reminders/inbox_detail.html", {"message": message})


@login_required
@require_POST
def inbox_read_all(request):
    marked = services.inbox_mark_read(user=request.user, now=timezone.now())
    if marked:
        messages.success(request, ngettext("%(n)d message marked as read.", "%(n)d messages marked as read.",
                                           marked) % {"n": marked})
    else:
        messages.info(request, _("There were no unread messages."))
    return redirect("reminders:inbox-list")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    """What the person wants to be told, and how."""
    current = preferences_of(request.user)
    form = PreferencesForm(request.POST or None, preferences=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, follow_digest=form.follow_digest, muted=form.muted)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("reminders:preferences")
    return render(request, "reminders/preferences.html", {"form": form})


# --- The secretariat's reminder log ---------------------------------------------------------


class ReminderFilterForm(MesaFilterForm):
    """The log's filters, from the query string; a value that is not a choice is a form error."""

    state = forms.ChoiceField(
        label=pgettext_lazy("of a reminder", "State"), required=False,
        choices=[("", pgettext_lazy("reminder state", "Any state")), *State.choices],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), required=False,
        choices=[("", pgettext_lazy("reminder kind", "Any kind")), *Kind.choices],
    )


def _render_log(request, table, context: dict):
    """Render with the table's zone as the current one, so |date shows the table's time."""
    with timezone.override(table.zone):
        return render(request, "reminders/reminder_list.html", {"table": table, **context})


@login_required
@require_safe
def reminder_list(request, table_slug: str):
    table = permissions.get_table_for_log(request.user, table_slug)
    form = ReminderFilterForm(request.GET)
    log = reminder_log(table)
    counts = log.state_counts()
    if state := form.value("state"):
        log = log.filter(state=state)
    if kind := form.value("kind"):
        log = log.filter(kind=kind)
    # Newest send time first: what just went out (or failed) is what the secretariat looks for.
    log = log.with_log_data().order_by("-send_at", "-pk")
    page = Paginator(log, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return _render_log(request, table, {
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "form": form,
        "filtered": form.filtered,
        "page": page,
        "counts": [(State(state).label, state, counts[state]) for state in State.values],
        "failed": counts[State.FAILED],
    })


@login_required
@require_POST
def reminder_retry(request, table_slug: str):
    table = permissions.get_table_for_log(request.user, table_slug)
    retried = dispatch.retry_failed(table)
    if retried:
        messages.success(request, ngettext(
            "%(n)d failed reminder will be sent again in the next minutes.",
            "%(n)d failed reminders will be sent again in the next minutes.", retried) % {"n": retried})
    else:
        messages.info(request, _("No reminder had failed: there was nothing to retry."))
    return redirect("reminders:reminder-list", table_slug=table.slug)
