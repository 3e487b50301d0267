"""Open data: the table's public agreements, commitments and action updates as CSV and JSON,
and a page that documents every field.

Only public records (`Commitment.objects.public()` and the agreements anyone may
see): never restricted sessions' records, never evidence files (only how many
there are), never people's names: not the officials responsible or posting, not
who recorded or reviewed. Institutions are named. Field names are English and
stable; dates are ISO 8601 (date-times with their offset, in the table's time
zone). The files are open to anyone at a public table, whether or not its
dashboard is public; at a private table they are empty (and only members get
the page at all).

    /t/<slug>/open-data/                      the documentation
    /t/<slug>/open-data/commitments.csv       one row per commitment
    /t/<slug>/open-data/commitments.updates.csv   one row per action update
    /t/<slug>/open-data/commitments.json      {"table", "generated_at", "licence",
                                               "agreements", "commitments", "updates"}
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_safe

from commitments.dashboard_views import csv_response
from commitments.models import ActionUpdate, Commitment, DeliveryReview, UpdateEvidence, Verdict
from meetings.models import Agreement
from mesa import permissions as mesa_permissions
from mesa.models import Institution, Table

# The types, as the documentation names them.
INTEGER = pgettext_lazy("data type", "integer")
DECIMAL = pgettext_lazy("data type", "decimal number")
TEXT = pgettext_lazy("data type", "text")
DATE = pgettext_lazy("data type", "date (ISO 8601, YYYY-MM-DD)")
DATETIME = pgettext_lazy("data type", "date and time (ISO 8601, with the UTC offset)")
BOOLEAN = pgettext_lazy("data type", "true or false")
NAMES = pgettext_lazy("data type", "list of names (in CSV: separated by “; ”)")
NULLABLE = gettext_lazy("Empty (null) when not known.")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    get: Callable
    nullable: bool = False


class _Context:
    """What the field getters need besides the record: the table and the moment of export."""

    def __init__(self, request, table: Table, now: datetime):
        self.request, self.table, self.now = request, table, now

    def when(self, value: datetime | None) -> str | None:
        return timezone.localtime(value, self.table.zone).isoformat(timespec="seconds") if value else None

    def day(self, value: date | None) -> str | None:
        return value.isoformat() if value else None

    def url(self, name: str, pk: int) -> str:
        """The page of a record of this table (reversed here: the records need not load their table)."""
        path = reverse(name, kwargs={"table_slug": self.table.slug, "pk": pk})
        return self.request.build_absolute_uri(path)


def _names(institutions) -> list[str]:
    return [institution.name for institution in institutions]


AGREEMENT_FIELDS = [
    Field("id", INTEGER, gettext_lazy("Identifier of the agreement; commitments refer to it."),
          lambda a, c: a.pk),
    Field("code", TEXT, gettext_lazy("The agreement's code: the session's code and its number, e.g. "
                                     "PL-2026-07/3."), lambda a, c: a.code),
    Field("url", TEXT, gettext_lazy("Address of the agreement's page."),
          lambda a, c: c.url("meetings:agreement-detail", a.pk)),
    Field("session_code", TEXT, gettext_lazy("Code of the session at which it was agreed."),
          lambda a, c: a.session.code),
    Field("session_date", DATE, gettext_lazy("Day of that session, in the table's time zone."),
          lambda a, c: c.day(timezone.localtime(a.session.starts_at, c.table.zone).date())),
    Field("subcommittee", TEXT, gettext_lazy("The subcommittee whose session it was; empty for a plenary."),
          lambda a, c: a.session.subcommittee.name if a.session.subcommittee_id else None, nullable=True),
    Field("text", TEXT, gettext_lazy("The text of the agreement."), lambda a, c: a.text),
    Field("responsible_institutions", NAMES, gettext_lazy("Institutions the agreement names responsible."),
          lambda a, c: _names(a.responsible_institutions.all())),
    Field("withdrawn", BOOLEAN, gettext_lazy("Whether the agreement was withdrawn."),
          lambda a, c: a.is_withdrawn),
    Field("withdrawn_at", DATETIME, gettext_lazy("When it was withdrawn."),
          lambda a, c: c.when(a.withdrawn_at), nullable=True),
    Field("withdrawal_reason", TEXT, gettext_lazy("Why it was withdrawn."),
          lambda a, c: a.withdrawal_reason or None, nullable=True),
    Field("recorded_at", DATETIME, gettext_lazy("When the agreement was recorded."),
          lambda a, c: c.when(a.created_at)),
]

COMMITMENT_FIELDS = [
    Field("id", INTEGER, gettext_lazy("Identifier of the commitment; action updates refer to it."),
          lambda m, c: m.pk),
    Field("code", TEXT, gettext_lazy("The commitment's code: the agreement's code and its number, e.g. "
                                     "PL-2026-07/3-1."), lambda m, c: m.code),
    Field("url", TEXT, gettext_lazy("Address of the commitment's page, with its history."),
          lambda m, c: c.url("commitments:detail", m.pk)),
    Field("agreement_id", INTEGER, gettext_lazy("The agreement it comes from."), lambda m, c: m.agreement_id),
    Field("agreement_code", TEXT, gettext_lazy("Code of that agreement."), lambda m, c: m.agreement.code),
    Field("institution", TEXT, gettext_lazy("The responsible institution."), lambda m, c: m.institution.name),
    Field("institution_acronym", TEXT, gettext_lazy("Its acronym, if it has one."),
          lambda m, c: m.institution.acronym or None, nullable=True),
    Field("government_level", TEXT, gettext_lazy("Its level of government: federal, state or municipal."),
          lambda m, c: m.institution.level),
    Field("co_responsible_institutions", NAMES,
          gettext_lazy("Institutions at other levels of government that share the commitment."),
          lambda m, c: _names(m.co_responsible.all())),
    Field("description", TEXT, gettext_lazy("What was committed."), lambda m, c: m.description),
    Field("due_on", DATE, gettext_lazy("The current due date."), lambda m, c: c.day(m.due_on)),
    Field("original_due_on", DATE, gettext_lazy("The due date first agreed; it differs from due_on when "
                                                "the date was moved (with a reason, on the commitment's "
                                                "page)."), lambda m, c: c.day(m.original_due_on)),
    Field("status", TEXT, gettext_lazy("One of open, in_progress, fulfilled, partly_fulfilled, "
                                       "not_fulfilled, withdrawn."), lambda m, c: m.status),
    Field("status_reason", TEXT, gettext_lazy("Why the status was set, e.g. why it was withdrawn."),
          lambda m, c: m.status_reason or None, nullable=True),
    Field("status_changed_at", DATETIME, gettext_lazy("When the status was last set by hand."),
          lambda m, c: c.when(m.status_changed_at), nullable=True),
    Field("fulfilled_at", DATETIME, gettext_lazy("When it was marked fulfilled or partly fulfilled."),
          lambda m, c: c.when(m.fulfilled_at), nullable=True),
    Field("overdue", BOOLEAN, gettext_lazy("Open or in progress and past its due date, when the file was "
                                           "generated (generated_at)."), lambda m, c: m.overdue),
    Field("days_overdue", INTEGER, gettext_lazy("Days past the due date when the file was generated; 0 when "
                                                "not overdue."), lambda m, c: m.overdue_days),
    Field("unit", TEXT,
          gettext_lazy("What is counted, e.g. public prosecutors; empty when nothing is counted."),
          lambda m, c: m.unit or None, nullable=True),
    Field("requested", INTEGER, gettext_lazy("How many were requested."), lambda m, c: m.requested,
          nullable=True),
    Field("committed", INTEGER, gettext_lazy("How many the institution committed."), lambda m, c: m.committed,
          nullable=True),
    Field("delivered", INTEGER, gettext_lazy("How many were delivered, as its action updates report."),
          lambda m, c: m.delivered if m.has_quantity else None, nullable=True),
    Field("delivered_share", DECIMAL, gettext_lazy("Delivered divided by requested (or by committed when "
                                                   "nothing was requested), e.g. 0.2."),
          lambda m, c: None if m.delivered_share is None else round(m.delivered_share, 4), nullable=True),
    Field("updates", INTEGER, gettext_lazy("Number of action updates."), lambda m, c: m.update_count),
    Field("first_update_at", DATETIME, gettext_lazy("When the first action update was posted."),
          lambda m, c: c.when(m.first_update_at), nullable=True),
    Field("deliveries_confirmed", INTEGER, gettext_lazy("Members who confirm the reported delivery."),
          lambda m, c: m.confirmed_count),
    Field("deliveries_disputed", INTEGER, gettext_lazy("Members who dispute the reported delivery."),
          lambda m, c: m.disputed_count),
    Field("recorded_at", DATETIME, gettext_lazy("When the commitment was recorded."),
          lambda m, c: c.when(m.created_at)),
    Field("updated_at", DATETIME, gettext_lazy("When the commitment last changed."),
          lambda m, c: c.when(m.updated_at)),
]

UPDATE_FIELDS = [
    Field("id", INTEGER, gettext_lazy("Identifier of the action update."), lambda u, c: u.pk),
    Field("commitment_id", INTEGER, gettext_lazy("The commitment it reports on."),
          lambda u, c: u.commitment_id),
    Field("commitment_code", TEXT, gettext_lazy("Code of that commitment."), lambda u, c: u.commitment.code),
    Field("institution", TEXT, gettext_lazy("The institution that posted it."),
          lambda u, c: u.institution.name),
    Field("action_on", DATE, gettext_lazy("The day of the action reported."),
          lambda u, c: c.day(u.action_on)),
    Field("text", TEXT, gettext_lazy("What was done."), lambda u, c: u.text),
    Field("delivered_change", INTEGER, gettext_lazy("Change in the delivered quantity (negative only in a "
                                                    "correction)."), lambda u, c: u.delivered_change),
    Field("corrects_id", INTEGER,
          gettext_lazy("The earlier update this one corrects; updates are never edited."),
          lambda u, c: u.corrects_id, nullable=True),
    Field("evidence_files", INTEGER, gettext_lazy("How many evidence files it has (the files are not part of "
                                                  "the open data)."), lambda u, c: u.evidence_count),
    Field("posted_at", DATETIME, gettext_lazy("When it was posted."), lambda u, c: c.when(u.created_at)),
]

# The CSV of commitments adds these agreement fields after the commitment's own.
COMMITMENT_CSV_AGREEMENT_FIELDS = ["session_date", "subcommittee"]


def _count_of(queryset, **filters):
    """The number of rows of `queryset` pointing at the outer commitment, as a subquery (0 if none)."""
    counted = (queryset.filter(**filters).order_by().values("commitment")
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _public_records(table: Table, now: datetime):
    """The public agreements, commitments and updates of `table`: querysets that take
    five queries in all (agreements and their institutions, commitments and theirs, updates)."""
    by_name = Institution.objects.order_by("name", "pk")
    agreements = (Agreement.objects.visible_to(AnonymousUser()).filter(table=table)
                  .select_related("session", "session__subcommittee")
                  .prefetch_related(Prefetch("responsible_institutions", queryset=by_name))
                  .order_by("session__starts_at", "session_id", "number"))
    public = Commitment.objects.public().filter(table=table)
    commitments = (public.with_overdue(now)
                   .select_related("agreement__session__subcommittee", "institution")
                   .prefetch_related(Prefetch("co_responsible", queryset=by_name))
                   .annotate(update_count=_count_of(ActionUpdate.objects, commitment=OuterRef("pk")),
                             confirmed_count=_count_of(DeliveryReview.objects, commitment=OuterRef("pk"),
                                                       verdict=Verdict.CONFIRMED),
                             disputed_count=_count_of(DeliveryReview.objects, commitment=OuterRef("pk"),
                                                      verdict=Verdict.DISPUTED))
                   .order_by("agreement__session__starts_at", "agreement__number", "number", "pk"))
    evidence_count = (UpdateEvidence.objects.filter(update=OuterRef("pk")).order_by().values("update")
                      .annotate(n=Count("pk")).values("n"))
    updates = (ActionUpdate.objects.filter(commitment__in=public)
               .select_related("commitment", "institution")
               .annotate(evidence_count=Coalesce(Subquery(evidence_count, output_field=IntegerField()),
                                                 Value(0)))
               .order_by("commitment__agreement__session__starts_at", "commitment__agreement__number",
                         "commitment__number", "created_at", "pk"))
    return agreements, commitments, updates


def _record(fields: list[Field], record, context: _Context) -> dict:
    return {field.name: field.get(record, context) for field in fields}


def get_open_data_table(user, table_slug: str) -> Table:
    """The table, or 404 for anyone who may not see its content (private tables: members only)."""
    table = get_object_or_404(Table, slug=table_slug)
    if not mesa_permissions.can_view_table_content(user, table):
        raise Http404
    return table


@require_safe
def open_data(request, table_slug: str):
    table = get_open_data_table(request.user, table_slug)
    with timezone.override(table.zone):
        return render(request, "commitments/open_data.html", {
            "table": table,
            "table_perms": mesa_permissions.table_permissions(request.user, table),
            "sections": [
                ("agreements", _("Agreements"), AGREEMENT_FIELDS),
                ("commitments", _("Commitments"), COMMITMENT_FIELDS),
                ("updates", _("Action updates"), UPDATE_FIELDS),
            ],
            "nullable_note": NULLABLE,
        })


def _csv_value(value):
    if isinstance(value, list):
        return "; ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


FORMATS = ("csv", "json", "updates.csv")


@require_safe
def open_data_file(request, table_slug: str, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    table = get_open_data_table(request.user, table_slug)
    now = timezone.now()
    context = _Context(request, table, now)
    agreements, commitments, updates = _public_records(table, now)
    stamp = timezone.localtime(now, table.zone).strftime("%Y-%m-%d")

    if fmt == "csv":
        agreement_fields = [field for field in AGREEMENT_FIELDS
                            if field.name in COMMITMENT_CSV_AGREEMENT_FIELDS]
        header = [field.name for field in COMMITMENT_FIELDS] + [f"agreement_{field.name}"
                                                                for field in agreement_fields]
        rows = ([_csv_value(field.get(commitment, context)) for field in COMMITMENT_FIELDS]
                + [_csv_value(field.get(commitment.agreement, context)) for field in agreement_fields]
                for commitment in commitments)
        return csv_response(f"{table.slug}-commitments-{stamp}.csv", header, rows)
    if fmt == "updates.csv":
        rows = ([_csv_value(field.get(update, context)) for field in UPDATE_FIELDS] for update in updates)
        return csv_response(f"{table.slug}-commitment-updates-{stamp}.csv",
                            [field.name for field in UPDATE_FIELDS], rows)

    document = {
        "table": {"slug": table.slug, "name": table.name, "city": table.city, "time_zone": table.time_zone,
                  "url": request.build_absolute_uri(table.get_absolute_url())},
        "generated_at": context.when(now),
        "licence": LICENCE,
        "agreements": [_record(AGREEMENT_FIELDS, agreement, context) for agreement in agreements],
        "commitments": [_record(COMMITMENT_FIELDS, commitment, context) for commitment in commitments],
        "updates": [_record(UPDATE_FIELDS, update, context) for update in updates],
    }
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    if table.is_public:  # public records: any site may read them
        response["Access-Control-Allow-Origin"] = "*"
    return response


# In English in the file, whatever the language of the request: the file is the same for everyone.
LICENCE = ("Public records of the table. Reuse them freely; cite the table and the date the file "
           "was generated (generated_at).")

