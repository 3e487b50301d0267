"""Tamper-evident history: the table's memory, kept by PostgreSQL itself.

`@tamper_evident()` on a model is `@pghistory.track()` with three more promises:

- every insert and update of the model leaves an event row written by a
  database trigger, so `queryset.update()`, bulk writes and raw SQL are
  captured like a form's save; the event carries who and from where
  (pghistory's context, denormalised into the row so that it cannot be
  rewritten elsewhere);
- event rows are append-only: PostgreSQL refuses to update, delete or
  truncate them;
- each event row carries the SHA-256 of the previous event of its record
  and its own hash over that and its content (a hash chain), computed by a
  trigger, so `verify_history()` (`manage.py verify_history`) can tell a row
  edited or removed behind the application's back, for example by someone
  who switched the triggers off.

The hash is `sha256(previous hash || the row as jsonb without its two hash
columns)`; `mesa_history_hash()` (migration mesa 0004) computes it with the
time zone fixed to UTC so that a timestamp always hashes the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pghistory
import pghistory.models
import pgtrigger
from django.apps import apps
from django.db import connection, models

HASH_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION mesa_history_hash(prev text, rec anyelement) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE SET timezone = 'UTC' AS $$
    SELECT encode(sha256(convert_to(
        coalesce(prev, '') || ((to_jsonb(rec) - 'pgh_hash' - 'pgh_prev_hash')::text), 'UTF8')), 'hex')
$$;
"""

# Gives the rows of one event table their chain, in order; for tables that had
# events before they were chained (run once by a migration, before the
# append-only triggers are installed).
CHAIN_EXISTING_SQL = """
CREATE OR REPLACE FUNCTION mesa_history_chain_existing(event_table regclass) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    event record;
    previous_obj text := NULL;
    previous_hash text := '';
BEGIN
    FOR event IN EXECUTE format('SELECT pgh_id, pgh_obj_id::text AS obj FROM %s ORDER BY pgh_obj_id, pgh_id',
                                event_table)
    LOOP
        IF previous_obj IS DISTINCT FROM event.obj THEN
            previous_hash := '';
        END IF;
        EXECUTE format('UPDATE %s AS e SET pgh_prev_hash = $1 WHERE pgh_id = $2', event_table)
            USING previous_hash, event.pgh_id;
        EXECUTE format('UPDATE %s AS e SET pgh_hash = mesa_history_hash(e.pgh_prev_hash, e) '
                       'WHERE pgh_id = $1 RETURNING pgh_hash', event_table)
            INTO previous_hash USING event.pgh_id;
        previous_obj := event.obj;
    END LOOP;
END;
$$;
"""


class ChainedEvent(pghistory.models.Event):
    """Base of every tamper-evident event model: pghistory's event plus its link in the chain."""

    pgh_prev_hash = models.CharField(max_length=64, default="", editable=False)
    pgh_hash = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        abstract = True


def _chain_trigger() -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name="hash_chain",
        when=pgtrigger.Before,
        operation=pgtrigger.Insert,
        func=pgtrigger.Func(
            "NEW.pgh_prev_hash := coalesce((SELECT e.pgh_hash FROM {meta.db_table} e "
            "WHERE e.pgh_obj_id = NEW.pgh_obj_id ORDER BY e.pgh_id DESC LIMIT 1), ''); "
            "NEW.pgh_hash := mesa_history_hash(NEW.pgh_prev_hash, NEW); "
            "RETURN NEW;"
        ),
    )


def never_truncated(name: str = "never_truncated") -> pgtrigger.Trigger:
    """A statement trigger refusing TRUNCATE (row triggers do not see it)."""
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.Before, operation=pgtrigger.Truncate, level=pgtrigger.Statement,
        func="RAISE EXCEPTION 'pgtrigger: Cannot truncate rows from % table', TG_TABLE_NAME;",
    )


def tamper_evident(**track_kwargs):
    """Decorate a model: its history is append-only, chained, and names who and where.

    The event model is `<Model>Event`, reached from a record as `record.events`."""

    def decorate(model):
        return pghistory.track(
            base_model=ChainedEvent,
            model_name=f"{model.__name__}Event",
            obj_field=pghistory.ObjForeignKey(related_name="events"),
            append_only=True,
            context_field=pghistory.ContextJSONField(),
            meta={"triggers": [_chain_trigger(), never_truncated()]},
            **track_kwargs,
        )(model)

    return decorate


def chained_event_models() -> list[type[ChainedEvent]]:
    return sorted((m for m in apps.get_models() if issubclass(m, ChainedEvent)),
                  key=lambda m: m._meta.label)


@dataclass(frozen=True)
class HistoryProblem:
    event_model: str
    record_id: str
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "current row"
        return f"{self.event_model} record {self.record_id}, {where}: {self.problem}"


def _tracked_columns(event_model) -> list[str]:
    tracked = event_model.pgh_tracked_model
    tracked_columns = {f.column for f in tracked._meta.concrete_fields}
    return [f.column for f in event_model._meta.concrete_fields
            if not f.name.startswith("pgh_") and f.column in tracked_columns]


def verify_history() -> list[HistoryProblem]:
    """Check every chained history table; an empty list means nothing was touched.

    Reports an event whose content no longer matches its hash (edited), an
    event whose link does not match the event before it (an event removed or
    inserted in between), and a record whose current row differs from its
    last event (its last events removed, or the record changed with the
    triggers switched off).
    """
    problems: list[HistoryProblem] = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for event_model in chained_event_models():
            label = event_model._meta.label
            table = qn(event_model._meta.db_table)
            # Identifiers only, from model metadata and quoted: no value is interpolated.
            cursor.execute(f"""
                SELECT pgh_id, pgh_obj_id::text,
                       pgh_hash <> mesa_history_hash(pgh_prev_hash, e) AS edited,
                       pgh_prev_hash <> coalesce(lag(pgh_hash) OVER (
                           PARTITION BY pgh_obj_id ORDER BY pgh_id), '') AS unlinked
                FROM {table} e
                ORDER BY pgh_obj_id, pgh_id
            """)  # noqa: S608
            for event_id, record_id, edited, unlinked in cursor.fetchall():
                if edited:
                    problems.append(HistoryProblem(label, record_id, event_id,
                                                   "its content does not match its hash (edited)"))
                if unlinked:
                    problems.append(HistoryProblem(
                        label, record_id, event_id,
                        "it does not follow the event before it (an event was removed or inserted)"))
            tracked = event_model.pgh_tracked_model
            columns = _tracked_columns(event_model)
            row = ", ".join(f"o.{qn(c)}" for c in columns)
            last = ", ".join(f"e.{qn(c)}" for c in columns)
            pk = qn(tracked._meta.pk.column)
            cursor.execute(f"""
                SELECT o.{pk}::text, e.pgh_id IS NULL
                FROM {qn(tracked._meta.db_table)} o
                LEFT JOIN LATERAL (
                    SELECT * FROM {table} e WHERE e.pgh_obj_id = o.{pk} ORDER BY e.pgh_id DESC LIMIT 1
                ) e ON true
                WHERE e.pgh_id IS NULL OR ROW({row}) IS DISTINCT FROM ROW({last})
                ORDER BY o.{pk}
            """)  # noqa: S608
            for record_id, missing in cursor.fetchall():
                problems.append(HistoryProblem(
                    label, record_id, None,
                    "it has no history" if missing
                    else "it differs from its last history event (changed without a trace)"))
    return problems


@dataclass
class Change:
    field: str
    label: str
    old: object
    new: object


@dataclass
class HistoryEntry:
    event: ChainedEvent
    kind: str  # "created" or "changed"
    user_id: int | None
    changes: list[Change]


def timeline(events, *, fields: list[str] | None = None) -> list[HistoryEntry]:
    """History entries from oldest to newest, each with the fields it changed.

    `events` are one record's event rows (any order). Values are shown as
    stored, with choices worded; foreign keys as their ids.
    """
    events = sorted(events, key=lambda e: e.pgh_id)
    if not events:
        return []
    model = type(events[0])
    tracked = model.pgh_tracked_model
    names = fields or [f.name for f in model._meta.concrete_fields
                       if not f.name.startswith("pgh_") and f.name != "id"]
    entries = []
    previous = None
    for event in events:
        changes = []
        for name in names:
            field = tracked._meta.get_field(name)
            attname = field.attname
            new = getattr(event, attname)
            old = getattr(previous, attname) if previous is not None else None
            if previous is not None and old == new:
                continue
            if previous is None and new in (None, ""):
                continue
            if field.choices:
                display = dict(field.flatchoices)
                old, new = display.get(old, old), display.get(new, new)
            changes.append(Change(name, str(field.verbose_name), old, new))
        context = event.pgh_context if isinstance(event.pgh_context, dict) else {}
        entries.append(HistoryEntry(event=event, kind="created" if previous is None else "changed",
                                    user_id=context.get("user"), changes=changes))
        previous = event
    return entries
