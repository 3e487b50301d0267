"""The access sweep (issue 10, "Hardening"): every address that names an object is asked, by people
who must not reach that object, for the object, with every method it takes, and must answer
403 or 404 (a sign-in redirect or 401 for anonymous visitors), show none of the object's data,
and change nothing in the database.

How it is built:

- `detail_patterns()` walks the URL resolver of mesa.urls (the DRF router under /api/v1/ and the
  Django admin included) and keeps every pattern that takes an identifier (any keyword but the
  format suffix: pk, slug, table slug, code, token ...).
- `FILLERS` says, for each of them, how to fill it with a *private* object of the world below;
  `EXCLUDED` lists the few left out on purpose, each with its reason. A new address that is in
  neither makes `test_every_identifier_address_is_swept_or_excluded` fail: no future detail
  view escapes the sweep.
- The world is a table that is not public, with a hidden restricted concern and a rejected one
  (of a reporter who is not the viewer), evidence (one file hidden), an answer and a reply, an
  anonymous concern, a held session with its agenda, minutes, attendance, agreement, proposal, a
  commitment with an action update, evidence and a comment, an indicator with observations,
  memberships, an invitation, another person's inbox message and calendar feed; and a public table
  with the objects it keeps private (a hidden and a rejected concern with evidence, a members-only
  session, a draft proposal). Each carries a marker string that must never come back.
- Viewers: the secretariat of another table (also through their own table's addresses, slug of
  theirs with the pk of the private object, and in the admin), an outsider, an anonymous visitor,
  and a verified citizen member of the same table who is not the reporter (they read the table's
  content, so only what is private to another person is forbidden to them; `MEMBER_MAY` lists
  what a member may do by design). `PUBLIC_BY_DESIGN` is what anyone may see of any table.
- GET, and every unsafe method the view takes (the viewset's actions; POST for Django views) with
  a plausible body: the answer must be a refusal, the body must carry no marker, and the database
  (write counters, then an md5 of the tables they name) must be unchanged.

One test per viewer loops over every address and method and asserts that the list of leaks is
empty; each leak names the method, the URL, the URL name and what went wrong. A control test checks
that the sweep's addresses do reach their objects for those who may see them (so a 404 in the sweep
is a refusal, not a typo), and the lists (addresses without an identifier, the API's filtered by the
private table) are searched for the same markers.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from commitments import services as commitment_services
from concerns import services as concern_services
from concerns.evidence import evidence_attach, evidence_hide
from concerns.models import Status, Visibility
from indicators import services as indicator_services
from meetings import services as meeting_services
from mesa import services as mesa_services
from mesa.models import GovernmentLevel, Role
from reminders.models import InboxMessage
from subcommittees import services as subcommittee_services
from tests.accounts.factories import UserFactory
from tests.commitments.factories import institution, official_of, post_update, record_commitment
from tests.concerns.factories import raise_concern, raise_concern_with_code
from tests.meetings.factories import held_session
from tests.mesa.factories import OrganisationFactory, TableFactory, make_member

pytestmark = pytest.mark.django_db

# Every marker holds this, so that one search of a body finds any of them.
TAG = "zqsweep"


def _marker(name: str) -> str:
    return f"{TAG}{name}"


# --- the addresses ------------------------------------------------------------------------------

IGNORED_KWARGS = {"format"}  # DRF's format suffix (.json): not an identifier


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for an unnamed pattern (the admin's redirects)
    route: str
    kwargs: frozenset
    methods: frozenset  # what the view may take: the viewset's actions, else GET and POST
    is_api: bool
    is_admin: bool


def _walk(patterns, prefix="", namespace=None, outer=frozenset()):
    """(name, route, pattern, keyword names of the whole route) of every pattern under `patterns`."""
    for entry in patterns:
        kwargs = outer | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner, kwargs)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, prefix + str(entry.pattern), entry, kwargs


def detail_patterns() -> dict[str, Pattern]:
    """Every pattern of mesa.urls that takes an identifier, by URL name (format variants merged)."""
    found: dict[str, Pattern] = {}
    for name, route, entry, all_kwargs in _walk(get_resolver().url_patterns):
        kwargs = all_kwargs - IGNORED_KWARGS
        if not kwargs:
            continue
        key = name or route
        actions = getattr(entry.callback, "actions", None)
        methods = (frozenset(m.upper() for m in actions) - {"HEAD", "OPTIONS"} if actions
                   else frozenset({"GET", "POST"}))
        earlier = found.get(key)
        if earlier is not None:
            methods |= earlier.methods
            route = earlier.route
        found[key] = Pattern(key=key, route=route, kwargs=kwargs, methods=methods,
                             is_api=route.startswith("api/"), is_admin=route.startswith("admin/"))
    return found


def _url(pattern: Pattern, kwargs: dict) -> str:
    if pattern.key == pattern.route:  # unnamed: fill the route by hand
        url = "/" + pattern.route
        for name, value in kwargs.items():
            url = re.sub(rf"<(\w+:)?{name}>", str(value), url)
        return url
    return reverse(pattern.key, kwargs=kwargs)


# --- the world ----------------------------------------------------------------------------------

def _pdf(name: str, marker: str) -> SimpleUploadedFile:
    """A PDF whose bytes carry `marker` (a comment line)."""
    content = b"%PDF-1.7\n%" + _marker(marker).encode() + b"\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class World:
    """The private objects, and the markers they carry (all of them, and those private to a person)."""


def build_world(table, other_table, secretariat, citizen) -> World:
    w = World()
    w.table, w.other_table, w.secretariat, w.member = table, other_table, secretariat, citizen
    mesa_services.table_update(table=table, is_public=False)
    table.refresh_from_db()

    reporter_user = UserFactory(email=f"reporter-{TAG}@example.org", display_name=_marker("Reporter"))
    w.reporter_membership = make_member(table, Role.CITIZEN, user=reporter_user)
    w.reporter = reporter_user
    w.fge = institution(table, _marker("Fiscalia"), GovernmentLevel.STATE, "FGE")
    w.official = official_of(w.fge)
    w.organisation = OrganisationFactory(table=table, name=_marker("Organisation"))
    w.subcommittee = subcommittee_services.subcommittee_create(table=table, name_es=_marker("Subcomision"))

    # A restricted concern with evidence, an answer and a reply, then hidden by the secretariat.
    concern = raise_concern(table, reporter=reporter_user, visibility=Visibility.RESTRICTED,
                            title=_marker("HiddenTitle"), description=_marker("HiddenDescription"),
                            accused_institutions=[w.fge])
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    concern_services.concern_assign(concern=concern, institutions=[w.fge], actor=secretariat)
    w.answer = concern_services.answer_post(concern=concern, institution=w.fge, author=w.official,
                                            text=_marker("AnswerText"))
    w.reply = concern_services.reply_post(concern=concern, author=reporter_user, text=_marker("ReplyText"))
    w.evidence, w.hidden_evidence = evidence_attach(concern=concern, uploader=reporter_user,
                                                    files=[_pdf("denuncia.pdf", "ConcernFile"),
                                                           _pdf("otra.pdf", "HiddenFile")])
    evidence_hide(evidence=w.hidden_evidence, reason="abuse", actor=secretariat)
    concern_services.concern_hide(concern=concern, actor=secretariat, reason="riesgo")
    w.concern = concern
    # A restricted concern the members read, with a file hidden as abusive: the file stays closed.
    w.visible = raise_concern(table, reporter=reporter_user, visibility=Visibility.RESTRICTED,
                              title="Extorsión en la colonia", description="Cobran cuota.")
    _shown, w.visible_hidden_evidence = evidence_attach(
        concern=w.visible, uploader=reporter_user,
        files=[_pdf("acta.pdf", "ShownFile"), _pdf("abuso.pdf", "HiddenFileOfAReadableConcern")])
    evidence_hide(evidence=w.visible_hidden_evidence, reason="abuse", actor=secretariat)
    # A public one, rejected; and an anonymous one (its receipt code is the reporter's alone).
    w.rejected = raise_concern(table, reporter=reporter_user, title=_marker("RejectedTitle"),
                               description=_marker("RejectedDescription"))
    concern_services.concern_set_status(concern=w.rejected, status=Status.REJECTED, actor=secretariat,
                                        reason="fuera de tema")
    justice = table.subcommittees.get(standing_theme="access_to_justice")
    w.anonymous, w.receipt_code = raise_concern_with_code(
        table, reporter=None, subcommittee=justice, visibility=Visibility.ANONYMOUS,
        title=_marker("AnonymousTitle"), description=_marker("AnonymousDescription"))

    # A held session with agenda, minutes, attendance, an agreement and a proposal.
    session = held_session(table, title=_marker("SessionTitle"))
    w.agenda_item = meeting_services.agenda_item_add(session=session, title=_marker("AgendaItem"))
    w.minutes = meeting_services.minutes_draft(session=session, actor=secretariat, text=_marker("Minutes"))
    meeting_services.attendance_record(session=session, actor=secretariat, attendees=[reporter_user],
                                       institutions=[w.fge])
    w.agreement = meeting_services.agreement_record(session=session, actor=secretariat,
                                                    text=_marker("AgreementText"),
                                                    responsible_institutions=[w.fge])
    w.session = session
    w.proposal = meeting_services.proposal_create(
        subcommittee=justice, actor=secretariat, title=_marker("ProposalTitle"),
        request=_marker("ProposalRequest"), concerns=[w.anonymous])

    # A commitment with an action update, its evidence and a comment.
    w.commitment = record_commitment(w.agreement, institution=w.fge, description=_marker("Commitment"))
    w.update = post_update(w.commitment, w.official, text=_marker("UpdateText"),
                           files=[_pdf("oficio.pdf", "UpdateFile")])
    w.update_evidence = w.update.evidence.get()
    w.comment = commitment_services.update_comment(update=w.update, actor=secretariat,
                                                   text=_marker("UpdateComment"))

    # An indicator of its own, with figures.
    w.indicator = indicator_services.indicator_create(table=table, actor=secretariat, code="sweep",
                                                      name_es=_marker("Indicator"), source=_marker("Source"))
    start = date.today().replace(day=1) - timedelta(days=40)
    w.observation = indicator_services.observation_record(indicator=w.indicator, actor=secretariat,
                                                          period_start=start.replace(day=1), value=7)

    w.invitation = mesa_services.invitation_create(table=table, email=f"invitee-{TAG}@example.org",
                                                   role=Role.CITIZEN, invited_by=secretariat)
    w.inbox_message = InboxMessage.objects.create(user=reporter_user, subject=_marker("InboxSubject"),
                                                  body=_marker("InboxBody"))
    w.calendar_feed = meeting_services.calendar_feed_for(user=reporter_user)

    # A public table's private objects: a hidden and a rejected concern (public ones), evidence,
    # a members-only session and a draft proposal. Open to nobody of the sweep either.
    w.public_table = TableFactory(secretariat=UserFactory(display_name="Secretaría pública"))
    public_secretariat = w.public_table.memberships.get(role=Role.SECRETARIAT).user
    public_reporter = make_member(w.public_table, Role.CITIZEN,
                                  user=UserFactory(email=f"public-reporter-{TAG}@example.org")).user
    w.public_hidden = raise_concern(w.public_table, reporter=public_reporter,
                                    title=_marker("PublicHiddenTitle"),
                                    description=_marker("PublicHiddenDescription"))
    [w.public_evidence] = evidence_attach(concern=w.public_hidden, uploader=public_reporter,
                                          files=[_pdf("foto.pdf", "PublicHiddenFile")])
    concern_services.concern_hide(concern=w.public_hidden, actor=public_secretariat, reason="riesgo")
    w.public_rejected = raise_concern(w.public_table, reporter=public_reporter,
                                      title=_marker("PublicRejectedTitle"))
    concern_services.concern_set_status(concern=w.public_rejected, status=Status.REJECTED,
                                        actor=public_secretariat, reason="fuera de tema")
    w.public_session = held_session(w.public_table, actor=public_secretariat, is_public=False,
                                    title=_marker("MembersOnlySession"))
    public_justice = w.public_table.subcommittees.get(standing_theme="access_to_justice")
    w.public_draft = meeting_services.proposal_create(
        subcommittee=public_justice, actor=public_secretariat, title=_marker("DraftProposal"),
        request=_marker("DraftRequest"),
        concerns=[raise_concern(w.public_table, subcommittee=public_justice,
                                visibility=Visibility.ANONYMOUS)])
    # The members-only session's agreement, and its commitment with an update and evidence: they
    # follow the session's visibility everywhere (pages, API, dashboard, open data).
    guard = institution(w.public_table, _marker("PublicGuard"), GovernmentLevel.FEDERAL, "GN")
    w.public_agreement = meeting_services.agreement_record(
        session=w.public_session, actor=public_secretariat, text=_marker("MembersOnlyAgreement"),
        responsible_institutions=[guard])
    w.public_commitment = record_commitment(w.public_agreement, institution=guard, actor=public_secretariat,
                                            description=_marker("MembersOnlyCommitment"))
    w.public_update = post_update(w.public_commitment, official_of(guard), text=_marker("MembersOnlyUpdate"),
                                  files=[_pdf("parte.pdf", "MembersOnlyFile")])
    w.public_update_evidence = w.public_update.evidence.get()
    w.secretariat_of = {table.slug: secretariat, w.public_table.slug: public_secretariat}

    w.concerns = [w.concern, w.rejected, w.public_hidden, w.public_rejected]
    w.sessions = [w.session, w.public_session]
    w.proposals = [w.proposal, w.public_draft]
    w.agreements = [w.agreement, w.public_agreement]
    w.commitments = [w.commitment, w.public_commitment]

    # What a member of the table must not see either: what is private to another person.
    w.person_private = [
        _marker("HiddenTitle"), _marker("HiddenDescription"), _marker("RejectedTitle"),
        _marker("RejectedDescription"), _marker("ReplyText"), _marker("AnswerText"), _marker("ConcernFile"),
        _marker("HiddenFile"), _marker("HiddenFileOfAReadableConcern"),
        _marker("InboxSubject"), _marker("InboxBody"), f"reporter-{TAG}@example.org",
        f"invitee-{TAG}@example.org", f"public-reporter-{TAG}@example.org",
        *[_marker(n) for n in ("PublicHiddenTitle", "PublicHiddenDescription", "PublicHiddenFile",
                               "PublicRejectedTitle", "MembersOnlySession", "DraftProposal", "DraftRequest",
                               "MembersOnlyAgreement", "MembersOnlyCommitment", "MembersOnlyUpdate",
                               "MembersOnlyFile")],
    ]
    return w


def _slug(w):
    return {"slug": w.table.slug}


def _t(w, **extra):
    return {"table_slug": w.table.slug, **extra}


def _concern(w):
    """Its page: every kind of closed concern."""
    return [{"table_slug": c.table.slug, "pk": c.pk} for c in w.concerns]


def _hidden_concern(w):
    """Actions on a concern: the hidden ones (the rejected ones go through the same look-up)."""
    return [{"table_slug": c.table.slug, "pk": c.pk} for c in (w.concern, w.public_hidden)]


def _session(w, **extra):
    return [{"table_slug": s.table.slug, "pk": s.pk, **extra} for s in w.sessions]


def _proposal(w):
    return [{"table_slug": p.table.slug, "pk": p.pk} for p in w.proposals]


def _t_and_public(w):
    """A table-wide page of the private table, and of the public one (whose lists must leave out
    what it keeps private)."""
    return [_t(w), {"table_slug": w.public_table.slug}]


def _agreement(w):
    return [{"table_slug": a.table.slug, "pk": a.pk} for a in w.agreements]


def _commitment(w):
    return [{"table_slug": c.table.slug, "pk": c.pk} for c in w.commitments]


def _api(objects):
    """API addresses name the object alone; `_at` keeps its table's slug for the sweep's bookkeeping."""
    return lambda w: [{"pk": o.pk, "_at": (o.concern if hasattr(o, "concern") else o).table.slug}
                      for o in objects(w)]


# URL name -> the kwargs (one dict, or a list of them) of a private object of the world.
FILLERS = {
    # mesa: the table's own pages
    "mesa:table-detail": _slug,
    "mesa:table-join": _slug,
    "mesa:table-leave": _slug,
    "mesa:table-settings": _slug,
    "mesa:member-list": _slug,
    "mesa:member-invite": _slug,
    "mesa:member-detail": lambda w: {**_slug(w), "pk": w.reporter_membership.pk},
    "mesa:member-role": lambda w: {**_slug(w), "pk": w.reporter_membership.pk},
    "mesa:member-verify": lambda w: {**_slug(w), "pk": w.reporter_membership.pk},
    "mesa:member-refuse": lambda w: {**_slug(w), "pk": w.reporter_membership.pk},
    "mesa:member-remove": lambda w: {**_slug(w), "pk": w.reporter_membership.pk},
    "mesa:institution-list": _slug,
    "mesa:institution-create": _slug,
    "mesa:institution-edit": lambda w: {**_slug(w), "pk": w.fge.pk},
    "mesa:organisation-create": _slug,
    "mesa:organisation-edit": lambda w: {**_slug(w), "pk": w.organisation.pk},
    # subcommittees
    "subcommittees:subcommittee-list": _t,
    "subcommittees:subcommittee-create": _t,
    "subcommittees:subcommittee-detail": lambda w: _t(w, slug=w.subcommittee.slug),
    "subcommittees:subcommittee-edit": lambda w: _t(w, slug=w.subcommittee.slug),
    "subcommittees:subcommittee-archive": lambda w: _t(w, slug=w.subcommittee.slug),
    "subcommittees:subcommittee-unarchive": lambda w: _t(w, slug=w.subcommittee.slug),
    "subcommittees:subcommittee-coordinators": lambda w: _t(w, slug=w.subcommittee.slug),
    # concerns
    "concerns:concern-list": _t_and_public,
    "concerns:concern-create": _t,
    "concerns:triage": _t,
    "concerns:colonia-list": _t,
    "concerns:concern-detail": _concern,
    "concerns:concern-support": _hidden_concern,
    "concerns:concern-follow": _hidden_concern,
    "concerns:concern-reply": _hidden_concern,
    "concerns:concern-confirm": _hidden_concern,
    "concerns:concern-reopen": _hidden_concern,
    "concerns:concern-consent": _hidden_concern,
    "concerns:concern-status": _hidden_concern,
    "concerns:concern-reroute": _hidden_concern,
    "concerns:concern-assign": _hidden_concern,
    "concerns:concern-duplicate": _hidden_concern,
    "concerns:concern-hide": _hidden_concern,
    "concerns:concern-unhide": _hidden_concern,
    "concerns:concern-answer": _hidden_concern,
    "concerns:answer-rate": lambda w: _t(w, answer_pk=w.answer.pk),
    "concerns:evidence-file": lambda w: [
        _t(w, pk=w.concern.pk, evidence_pk=w.evidence.pk),
        _t(w, pk=w.concern.pk, evidence_pk=w.hidden_evidence.pk),
        _t(w, pk=w.visible.pk, evidence_pk=w.visible_hidden_evidence.pk),
        {"table_slug": w.public_table.slug, "pk": w.public_hidden.pk, "evidence_pk": w.public_evidence.pk}],
    "concerns:evidence-hide": lambda w: _t(w, pk=w.concern.pk, evidence_pk=w.evidence.pk),
    "concerns:evidence-unhide": lambda w: _t(w, pk=w.concern.pk, evidence_pk=w.hidden_evidence.pk),
    "concerns:reply-hide": lambda w: _t(w, pk=w.concern.pk, reply_pk=w.reply.pk),
    "concerns:reply-unhide": lambda w: _t(w, pk=w.concern.pk, reply_pk=w.reply.pk),
    # meetings
    "meetings:session-list": _t_and_public,
    "meetings:session-archive": _t_and_public,
    "meetings:session-create": _t,
    # A private table has no public feed; a public one's must leave out its members-only session.
    "meetings:table-calendar": lambda w: [_t(w), {"table_slug": w.public_table.slug}],
    "meetings:agreement-list": _t_and_public,
    "meetings:proposal-list": _t_and_public,
    "meetings:proposal-create": _t,
    "meetings:subcommittee-calendar": lambda w: [
        _t(w, subcommittee_slug=w.subcommittee.slug),
        {"table_slug": w.public_table.slug, "subcommittee_slug": w.public_table.subcommittees.first().slug}],
    **{f"meetings:{name}": _session for name in (
        "session-detail", "session-edit", "session-reschedule", "session-cancel", "session-rsvp",
        "session-attendance", "agenda-item-create", "agenda-publish", "minutes-edit", "minutes-correct",
        "session-ics", "agreement-create")},
    **{f"meetings:{name}": (lambda w: _t(w, pk=w.session.pk, item_pk=w.agenda_item.pk)) for name in (
        "agenda-item-edit", "agenda-item-remove", "agenda-item-move")},
    "meetings:minutes-approve": lambda w: _t(w, pk=w.session.pk, minutes_pk=w.minutes.pk),
    "meetings:agreement-detail": _agreement,
    "meetings:agreement-withdraw": _agreement,
    **{f"meetings:{name}": _proposal for name in (
        "proposal-detail", "proposal-edit", "proposal-submit", "proposal-decide")},
    # commitments
    "commitments:list": _t_and_public,
    "commitments:dashboard": _t_and_public,
    "commitments:dashboard-csv": _t_and_public,
    "commitments:open-data": _t_and_public,
    "commitments:open-data-file": lambda w: [{"table_slug": t.slug, "fmt": fmt}
                                             for t in (w.table, w.public_table) for fmt in ("csv", "json")],
    "commitments:create": lambda w: [{"table_slug": a.table.slug, "agreement_pk": a.pk}
                                     for a in w.agreements],
    **{f"commitments:{name}": _commitment for name in (
        "detail", "edit", "move-due-date", "set-status", "follow", "review", "update-create")},
    "commitments:update-comment": lambda w: [
        _t(w, pk=w.commitment.pk, update_pk=w.update.pk),
        {"table_slug": w.public_table.slug, "pk": w.public_commitment.pk, "update_pk": w.public_update.pk}],
    "commitments:evidence-file": lambda w: [
        _t(w, pk=w.update_evidence.pk),
        {"table_slug": w.public_table.slug, "pk": w.public_update_evidence.pk}],
    # indicators
    **{f"indicators:{name}": _t for name in (
        "overview", "justice-chain", "evaluation", "create", "import", "import-confirm")},
    **{f"indicators:{name}": (lambda w: _t(w, code=w.indicator.code)) for name in (
        "detail", "edit", "target-set", "observation-create")},
    "indicators:observation-correct": lambda w: _t(w, code=w.indicator.code, pk=w.observation.pk),
    "indicators:export": lambda w: [_t(w, code=w.indicator.code, fmt="csv"),
                                    _t(w, code=w.indicator.code, fmt="xlsx")],
    # reminders
    "reminders:inbox-detail": lambda w: {"pk": w.inbox_message.pk},
    "reminders:reminder-list": _t,
    "reminders:reminder-retry": _t,
    # the API (DRF router under /api/v1/)
    "table-detail": _slug,
    **{name: _api(lambda w: [w.subcommittee]) for name in (
        "subcommittee-detail", "subcommittee-archive", "subcommittee-unarchive",
        "subcommittee-coordinators")},
    "institution-detail": _api(lambda w: [w.fge]),
    "organisation-detail": _api(lambda w: [w.organisation]),
    **{name: _api(lambda w: [w.reporter_membership]) for name in (
        "membership-detail", "membership-end", "membership-refuse", "membership-verify")},
    "invitation-detail": _api(lambda w: [w.invitation]),
    "concern-detail": _api(lambda w: w.concerns),
    **{name: _api(lambda w: [w.concern, w.public_hidden]) for name in (
        "concern-answers", "concern-assign", "concern-duplicate", "concern-follow",
        "concern-hide", "concern-reply", "concern-reroute", "concern-status", "concern-support",
        "concern-unhide", "concern-consent", "concern-confirm", "concern-reopen")},
    "answer-rating": _api(lambda w: [w.answer]),
    **{name: _api(lambda w: w.sessions) for name in (
        "session-detail", "session-agenda", "session-attendance", "session-cancel", "session-minutes",
        "session-minutes-approve", "session-minutes-correct", "session-publish-agenda", "session-reschedule",
        "session-rsvp")},
    "agreement-detail": _api(lambda w: w.agreements),
    "agreement-withdraw": _api(lambda w: w.agreements),
    **{name: _api(lambda w: w.proposals) for name in (
        "proposal-detail", "proposal-decide", "proposal-submit")},
    **{name: _api(lambda w: w.commitments) for name in (
        "commitment-detail", "commitment-follow", "commitment-move-due-date", "commitment-review",
        "commitment-set-status", "commitment-updates")},
    "commitment-update-comments": lambda w: [
        {"pk": w.commitment.pk, "update_pk": w.update.pk, "_at": w.table.slug},
        {"pk": w.public_commitment.pk, "update_pk": w.public_update.pk, "_at": w.public_table.slug}],
    **{name: _api(lambda w: [w.indicator]) for name in (
        "indicator-detail", "indicator-observations", "indicator-targets")},
    "indicator-observation": lambda w: {"pk": w.indicator.pk, "observation_pk": w.observation.pk,
                                       "_at": w.table.slug},
    **{name: (lambda w: {"pk": w.inbox_message.pk}) for name in (
        "inbox-message-detail", "inbox-message-read")},
}

# Addresses with an identifier that the sweep leaves out on purpose.
EXCLUDED = {
    "accounts:verify": "signed one-time token (uidb64 + token): the token is the credential, and a "
                       "wrong one is refused by Django's token generator (tests/accounts)",
    "accounts:password-reset-confirm": "signed one-time token (uidb64 + token), as accounts:verify",
    "mesa:invitation-accept": "the invitation's secret token is the credential: whoever holds the link "
                              "is invited; wrong tokens are covered in tests/mesa and tests/api",
    "calendar-personal": "a personal feed's secret token is the credential (a capability URL, for "
                         "calendar apps that cannot sign in); covered in tests/meetings",
    "admin:view_on_site": "the admin's 'view on site' redirect (content type + object id); staff only",
}

# What anyone may see of any table, public or not, by design: the table's directory (its name, its
# subcommittees, institutions and organisations), so that people can find it and ask to join.
# These responses may answer 200 and show the directory's markers, but nothing else of the world.
DIRECTORY_MARKERS = {_marker("Fiscalia"), _marker("Organisation"), _marker("Subcomision")}
PUBLIC_BY_DESIGN: dict[tuple[str, str], str] = {
    ("mesa:table-detail", "GET"): "the table's home page is for everyone (mesa.views.table_detail)",
    ("mesa:table-join", "GET"): "anyone signed up may ask to join; the form lists institutions and "
                                "organisations to claim",
    ("mesa:table-join", "POST"): "joining is open; roles that need it wait for the secretariat's "
                                 "verification",
    ("subcommittees:subcommittee-list", "GET"): "a subcommittee's name, description and coordinators are "
                                                "public like the table's home page",
    ("subcommittees:subcommittee-detail", "GET"): "as subcommittees:subcommittee-list",
    ("concerns:concern-create", "GET"): "anyone may raise an anonymous concern at any table "
                                        "(concerns.permissions.can_raise)",
    ("concerns:concern-create", "POST"): "as GET",
    ("table-detail", "GET"): "the API's table record is its public information (mesa.api.views.TableViewSet)",
    ("subcommittee-detail", "GET"): "as subcommittees:subcommittee-detail",
    ("institution-detail", "GET"): "institutions are listed on the table's home page",
    ("organisation-detail", "GET"): "organisations are listed on the table's home page",
    ("meetings:table-calendar", "GET"): "a public table's feed of its public sessions, for calendar "
                                        "apps (a private table has none: 404); the members-only "
                                        "session is not in it",
    ("meetings:subcommittee-calendar", "GET"): "as meetings:table-calendar",
}

# Table-wide pages that anyone may read at a public table (their content is checked for markers).
PUBLIC_TABLE_PAGES = {
    "concerns:concern-list", "meetings:session-list", "meetings:session-archive", "meetings:agreement-list",
    "meetings:proposal-list", "commitments:list", "commitments:dashboard", "commitments:dashboard-csv",
    "commitments:open-data", "commitments:open-data-file",
}

# What a verified member of the table may do to the world's objects by design, besides the above:
# (URL name, method). The member reads the table's content; the hidden and rejected concerns, the
# other person's inbox and the secretariat's pages stay closed to them.
_READ = "members read the table's content (mesa.permissions.can_view_table_content)"
MEMBER_MAY: dict[tuple[str, str], str] = {
    ("mesa:table-leave", "GET"): "leaving is one's own choice (mesa.permissions.can_end_membership)",
    ("mesa:table-leave", "POST"): "as GET (swept last)",
    ("mesa:member-list", "GET"): "members see who is who at their table (view_member_list)",
    ("mesa:member-list", "POST"): "the list view takes any method and only reads",
    ("mesa:institution-list", "GET"): "the table's institutions, as on its home page",
    ("mesa:institution-list", "POST"): "the list view takes any method and only reads",
    ("concerns:concern-list", "GET"): _READ + "; the list shows listed concerns only",
    ("meetings:session-list", "GET"): _READ,
    ("meetings:session-archive", "GET"): _READ,
    ("meetings:session-detail", "GET"): _READ,
    ("meetings:session-ics", "GET"): _READ,
    ("meetings:session-rsvp", "POST"): "members answer whether they will attend",
    ("meetings:agreement-list", "GET"): _READ,
    ("meetings:agreement-detail", "GET"): _READ,
    ("meetings:proposal-list", "GET"): _READ,
    ("commitments:list", "GET"): _READ,
    ("commitments:detail", "GET"): _READ,
    ("commitments:follow", "POST"): "members follow commitments",
    ("commitments:review", "GET"): "citizens review a commitment's delivery",
    ("commitments:review", "POST"): "as GET",
    ("commitments:evidence-file", "GET"): "an action update's evidence is part of the public record of a "
                                          "commitment, for those who may read it",
    ("commitments:dashboard", "GET"): _READ,
    ("commitments:dashboard-csv", "GET"): _READ,
    ("commitments:open-data", "GET"): _READ,
    ("commitments:open-data-file", "GET"): _READ,
    ("indicators:overview", "GET"): _READ,
    ("indicators:justice-chain", "GET"): _READ,
    ("indicators:evaluation", "GET"): _READ,
    ("indicators:detail", "GET"): _READ,
    ("indicators:export", "GET"): _READ,
    ("session-detail", "GET"): _READ,
    ("session-rsvp", "POST"): "as meetings:session-rsvp",
    ("agreement-detail", "GET"): _READ,
    ("commitment-detail", "GET"): _READ,
    ("commitment-follow", "POST"): "as commitments:follow",
    ("commitment-follow", "DELETE"): "as commitments:follow",
    ("commitment-review", "POST"): "as commitments:review",
    ("commitment-updates", "GET"): _READ,
    ("indicator-detail", "GET"): _READ,
    ("indicator-observations", "GET"): _READ,
}


# Addresses at which even the table's secretariat gets a 404 for the world's object, and why.
SECRETARIAT_404: dict[str, str] = {
    "meetings:table-calendar": "a private table has no public feed (meetings.calendar_views._public_table)",
    "meetings:subcommittee-calendar": "as meetings:table-calendar",
}


def _admin_kwargs(w: World, pattern: Pattern) -> dict:
    """Admin addresses name an object by `object_id`: the world's object of that model where there
    is one (any id otherwise: the admin must turn away non-staff before it looks)."""
    objects = {"concern": w.concern, "table": w.table, "membership": w.reporter_membership,
               "invitation": w.invitation, "session": w.session, "minutes": w.minutes,
               "agreement": w.agreement, "proposal": w.proposal, "commitment": w.commitment,
               "actionupdate": w.update, "updateevidence": w.update_evidence, "updatecomment": w.comment,
               "institution": w.fge, "organisation": w.organisation, "subcommittee": w.subcommittee,
               "user": w.reporter}
    kwargs = {}
    for name in pattern.kwargs:
        if name == "object_id":
            model = pattern.key.rsplit("_", 1)[0].split("_")[-1] if ":" in pattern.key else \
                pattern.route.split("/")[2]
            obj = objects.get(model)
            kwargs[name] = str(obj.pk) if obj is not None else "1"
        elif name == "app_label":
            kwargs[name] = "concerns"
        else:
            kwargs[name] = "1"
    return kwargs


def kwargs_for(w: World, pattern: Pattern, *, swap: bool) -> list[dict]:
    if pattern.is_admin:
        return [_admin_kwargs(w, pattern)]
    filled = FILLERS[pattern.key](w)
    filled = filled if isinstance(filled, list) else [filled]
    if not swap:
        return filled
    # The same object through the address of the viewer's own table (slug of one table, pk of
    # another's): a view must look the object up within the table it was given.
    swapped = []
    for kwargs in filled:
        for slug_name in ("table_slug", "slug"):
            if slug_name in kwargs and set(kwargs) - {slug_name, "fmt"} and not (
                    slug_name == "slug" and "table_slug" in kwargs):
                swapped.append({**kwargs, slug_name: w.other_table.slug})
    return filled + swapped


# --- the database, before and after ----------------------------------------------------------------

SNAPSHOT_EXEMPT = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog"}


class Database:
    """Whether a request changed any row: an md5 of every table's rows, kept up to date cheaply.

    After each request one query reads the transaction's write counters per table
    (pg_stat_xact_user_tables: rows inserted, updated, deleted so far in this transaction); only
    the tables whose counters moved are digested again and compared. A request that wrote nothing
    costs one query; one that wrote and put everything back is not a change."""

    def __init__(self):
        from django.apps import apps

        self.tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)
                              if not m._meta.proxy and m._meta.managed} - SNAPSHOT_EXEMPT)
        self.digests = self._digest(self.tables)
        self.counters = self._counters()

    @staticmethod
    def _query(sql: str) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return dict(cursor.fetchall())

    def _digest(self, tables) -> dict:
        # Table names from the models' own metadata, not from input.
        return self._query(" UNION ALL ".join(
            f"SELECT '{t}', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "  # noqa: S608
            f"FROM {connection.ops.quote_name(t)} x" for t in tables))

    def _counters(self) -> dict:
        return self._query("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables")

    def changed(self) -> list[str]:
        """The tables whose rows differ from the last call's."""
        counters = self._counters()
        moved = [t for t in self.tables if counters.get(t) != self.counters.get(t)]
        self.counters = counters
        if not moved:
            return []
        digests = self._digest(moved)
        changed = sorted(t for t in moved if digests[t] != self.digests[t])
        self.digests.update(digests)
        return changed


# --- the sweep ------------------------------------------------------------------------------------

UNSAFE_BODY = {
    # Plausible fields of the forms and serializers, so that a missing check would write something.
    "text": "sweep", "title": "sweep", "reason": "sweep", "note": "sweep", "comment": "sweep",
    "description": "sweep", "status": "accepted", "score": 5, "answer": "yes", "verdict": "delivered",
    "role": "secretariat", "consent": "on", "following": "on", "up": "1", "value": "1",
    "due_on": (date.today() + timedelta(days=400)).isoformat(), "name_es": "sweep", "name": "sweep",
}


def _location(response) -> str:
    return response.get("Location", "") or ""


def _denied(response, pattern: Pattern, anonymous: bool) -> bool:
    status = response.status_code
    if status in (403, 404, 405):
        return True
    if pattern.is_admin:
        return status == 302 and "/admin/login/" in _location(response)
    if anonymous and pattern.is_api:
        return status == 401
    if anonymous:
        return status == 302 and reverse("accounts:login") in _location(response)
    return False


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _methods(pattern: Pattern, *, unsafe: bool) -> list[str]:
    """GET and the unsafe methods the view takes. The admin turns non-staff away before it looks at the
    method (admin_site.admin_view), so it is asked with GET alone."""
    methods = set(pattern.methods)
    if pattern.is_admin or not unsafe:
        methods = {"GET"}
    return sorted(methods)


def _where(kwargs: dict) -> tuple[dict, str | None]:
    """The address's kwargs, and the slug of the table its object belongs to."""
    kwargs = dict(kwargs)
    at = kwargs.pop("_at", None) or kwargs.get("table_slug") or kwargs.get("slug")
    return kwargs, at


def sweep(w: World, user, markers: list[str], *, member_may: dict | None = None, swap: bool = False,
          admin_too: bool = False, unsafe: bool = True) -> list[str]:
    """The leaks, as messages: `user` (None: anonymous) asks every swept address of the world with
    every method it takes. PUBLIC_BY_DESIGN answers may succeed (their bodies may show the directory),
    and `member_may` ones at the member's own table; `swap` also asks for each object through the other
    table's address; `admin_too` sweeps the admin; `unsafe=False` asks with GET alone."""
    page, api = Client(), APIClient()
    if user is not None:
        page.force_login(user)
        api.force_login(user)
    encoded = [m.encode() for m in markers]
    leaks: list[str] = []
    database = Database()
    # Leaving the table last: a member who leaves is no longer one for the addresses after.
    for pattern in sorted(detail_patterns().values(), key=lambda p: p.key == "mesa:table-leave"):
        if pattern.key in EXCLUDED or (pattern.is_admin and not admin_too):
            continue
        for filled in kwargs_for(w, pattern, swap=swap):
            kwargs, at = _where(filled)
            url = _url(pattern, kwargs)
            for method in _methods(pattern, unsafe=unsafe):
                client = api if pattern.is_api else page
                if method == "GET":
                    response = client.get(url)
                elif pattern.is_api:
                    response = getattr(client, method.lower())(url, UNSAFE_BODY, format="json")
                else:
                    response = getattr(client, method.lower())(url, UNSAFE_BODY)
                where = f"{method} {url} ({pattern.key})"
                by_design = (
                    (pattern.key, method) in PUBLIC_BY_DESIGN
                    or ((pattern.key, method) in (member_may or {}) and at == w.table.slug)
                    or (method == "GET" and pattern.key in PUBLIC_TABLE_PAGES and at == w.public_table.slug))
                if not by_design and not _denied(response, pattern, user is None):
                    leaks.append(f"{where}: answered {response.status_code} {_location(response)}")
                body = _body(response)
                if TAG.encode() in body:
                    shown = [m for m, e in zip(markers, encoded, strict=True)
                             if e in body and not (by_design and m in DIRECTORY_MARKERS)]
                    if shown:
                        leaks.append(f"{where}: body shows {shown}")
                if method != "GET":
                    changed = database.changed()
                    if changed and not by_design:
                        leaks.append(f"{where}: changed {changed}")
    return leaks


def _all_markers(w: World) -> list[str]:
    return sorted({*w.person_private, *[_marker(n) for n in (
        "Reporter", "Fiscalia", "Organisation", "Subcomision", "AnonymousTitle", "AnonymousDescription",
        "SessionTitle", "AgendaItem", "Minutes", "AgreementText", "ProposalTitle", "ProposalRequest",
        "Commitment", "UpdateText", "UpdateComment", "UpdateFile", "Indicator", "Source")]})


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of 403s and 404s: Django's warning for each (with its traceback) is no news here."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(table, other_table, secretariat, citizen):
    return build_world(table, other_table, secretariat, citizen)


def _report(leaks: list[str]) -> str:
    return f"{len(leaks)} leak(s):\n" + "\n".join(leaks)


def test_every_identifier_address_is_swept_or_excluded():
    patterns = detail_patterns()
    unknown = sorted(key for key, p in patterns.items()
                     if not p.is_admin and key not in FILLERS and key not in EXCLUDED)
    assert not unknown, ("New addresses take an identifier but the access sweep cannot fill them; add them "
                         f"to FILLERS (or, with a reason, to EXCLUDED) in {__name__}: {unknown}")
    stale = sorted((set(FILLERS) | set(EXCLUDED)) - set(patterns))
    assert not stale, f"FILLERS or EXCLUDED name addresses that no longer exist: {stale}"
    # The admin is swept by model (its addresses come with every registered model).
    assert any(p.is_admin for p in patterns.values()) and admin.site._registry


def test_the_secretariat_of_another_table_never_reaches_a_private_tables_objects(world, other_secretariat):
    # Also through the addresses of their own table, where they hold every power; and the admin.
    leaks = sweep(world, other_secretariat, _all_markers(world), swap=True, admin_too=True)
    assert not leaks, _report(leaks)


def test_an_outsider_never_reaches_a_private_tables_objects(world, outsider):
    leaks = sweep(world, outsider, _all_markers(world))
    assert not leaks, _report(leaks)


def test_a_former_official_of_the_table_no_longer_reaches_its_objects(world):
    """Removed by the secretariat: the powers of the membership (its groups) go with it. Reads only:
    the same permissions guard the writes, and the outsider's sweep tries those."""
    membership = make_member(world.table, Role.OFFICIAL, institution=world.fge)
    mesa_services.membership_end(membership=membership, actor=world.secretariat)
    leaks = sweep(world, membership.user, _all_markers(world), unsafe=False)
    assert not leaks, _report(leaks)


def test_an_anonymous_visitor_never_reaches_a_private_tables_objects(world):
    leaks = sweep(world, None, _all_markers(world), admin_too=True)
    assert not leaks, _report(leaks)


def test_a_member_never_reaches_another_persons_private_objects(world):
    leaks = sweep(world, world.member, world.person_private, member_may=MEMBER_MAY)
    assert not leaks, _report(leaks)


def test_the_sweeps_addresses_reach_their_objects(world):
    """The control: the table's own secretariat, who may see everything at the table, finds every object
    the sweep asks for (no 404), so a denial in the sweep is the permission check, not a wrong address."""
    clients = {}
    for slug, person in [*world.secretariat_of.items(), (None, world.reporter)]:
        clients[slug] = APIClient()
        clients[slug].force_login(person)
    missing = []
    for pattern in detail_patterns().values():
        if pattern.key in EXCLUDED or pattern.is_admin or "GET" not in pattern.methods:
            continue
        for filled in kwargs_for(world, pattern, swap=False):
            kwargs, at = _where(filled)
            url = _url(pattern, kwargs)
            response = clients[at].get(url)  # the inbox (no table): its owner
            expected = at == world.table.slug and pattern.key in SECRETARIAT_404
            if response.status_code == 404 and not expected:
                missing.append(f"GET {url} ({pattern.key})")
    assert not missing, "The sweep asks for objects that do not exist:\n" + "\n".join(missing)


def _list_addresses(w: World) -> list[str]:
    """Every address without an identifier (lists, forms, the inbox ...), plain and, for the API's
    lists, filtered to the private table."""
    urls = []
    for name, route, _entry, kwargs in _walk(get_resolver().url_patterns):
        if kwargs or not name or route.startswith("admin/"):
            continue
        url = reverse(name)
        urls.append(url)
        if route.startswith("api/"):
            urls.append(f"{url}?table={w.table.slug}")  # the API's filters take the table's slug
    return urls


@pytest.mark.parametrize("viewer", ["other_secretariat", "outsider", "anonymous", "member"])
def test_no_list_shows_what_its_detail_would_refuse(world, viewer, request):
    """Lists, searches and filters have their own queries: none of them may show what the detail
    addresses above refuse (the table's directory aside)."""
    if viewer == "member":
        user, markers = world.member, world.person_private
    else:
        user = None if viewer == "anonymous" else request.getfixturevalue(viewer)
        markers = [m for m in _all_markers(world) if m not in DIRECTORY_MARKERS]
    client = APIClient()
    if user is not None:
        client.force_login(user)
    leaks = []
    for url in _list_addresses(world):
        body = _body(client.get(url))
        if TAG.encode() in body and (shown := [m for m in markers if m.encode() in body]):
            leaks.append(f"GET {url}: body shows {shown}")
    assert not leaks, _report(leaks)


def test_a_member_reads_a_restricted_concern_but_never_who_raised_it(world):
    """Restricted: the content is the members', the reporter's identity is not (concerns.permissions)."""
    raiser = UserFactory(email=f"raiser-{TAG}@example.org", display_name=_marker("Raiser"))
    make_member(world.table, Role.CITIZEN, user=raiser)
    concern = raise_concern(world.table, reporter=raiser, visibility=Visibility.RESTRICTED,
                            title=_marker("RestrictedTitle"))
    client = APIClient()
    client.force_login(world.member)
    for url in (reverse("concerns:concern-detail", kwargs={"table_slug": world.table.slug, "pk": concern.pk}),
                reverse("concern-detail", kwargs={"pk": concern.pk}),
                reverse("concerns:concern-list", kwargs={"table_slug": world.table.slug}),
                reverse("concern-list") + f"?table={world.table.slug}"):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert _marker("RestrictedTitle") in body, url
        assert _marker("Raiser") not in body and f"raiser-{TAG}" not in body, url
