"""What the load benchmark (bench/load.py) requests, and what each answer costs in SQL queries.

    python -m bench.pages --table bench-001 --member miembro@bench.mesa.mx --output pages.json

Run by bench/load.py in a process of its own, with the environment gunicorn gets (bench.settings,
DEBUG off, the benchmark's database), so that the queries are counted under exactly the settings
the pages are served with and nothing of the caller's Django (a test's, say) leaks in.

- The pages are picked from the table's data (`pick_pages`): the table's page; its concern list,
  first page, filtered by the most frequent status, and searched for a word found in many titles;
  the public concern with the most supports among those with an official answer; the most recent
  past session with agreements (public if there is one); the accountability dashboard; the
  indicator with the most observations; and the API's concern list of the table.
- Each is served to the member (signed in) and to an anonymous visitor, except where the page is
  not meant for anonymous visitors (a private table, a members-only session, a dashboard kept
  for members); then `anonymous` carries the reason instead of None.
- Queries (`count_queries`): django.test.Client (force_login for the member) and
  CaptureQueriesContext, on the second request of each page (the first warms what a gunicorn
  worker keeps between requests: connections, ContentTypes, translations).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

QUERY_BUDGET = 15  # the target: beyond it, the statements are kept in the report
SAMPLE_TITLES = 2000  # recent titles read to find a frequent word and a frequent status
MEMBER, ANONYMOUS = "member", "anonymous"
WORD = re.compile(r"[^\W\d_]{5,}")


def _page(key: str, label: str, path: str, *, api: bool = False, anonymous: str | None = None,
          note: str = "") -> dict:
    return {"key": key, "label": label, "path": path, "api": api, "anonymous": anonymous, "note": note}


def _frequent_word(titles: list[str]) -> str | None:
    """The word (5 letters or more) in most of these titles that the Spanish full-text
    configuration keeps (it drops stop words such as "sobre")."""
    from django.db import connection

    in_titles = Counter(word for title in titles for word in {w.lower() for w in WORD.findall(title)})
    with connection.cursor() as cursor:
        for word, _count in in_titles.most_common(20):
            cursor.execute("SELECT to_tsvector('spanish', %s) <> ''::tsvector", [word])
            if cursor.fetchone()[0]:
                return word
    return None


def pick_pages(table_slug: str, *, search: str | None = None) -> dict:
    """The table and the pages to request (paths with their query strings)."""
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Count, Exists, OuterRef
    from django.shortcuts import get_object_or_404
    from django.urls import reverse
    from django.utils import timezone

    from concerns.models import Answer, Concern, Visibility
    from indicators.models import Indicator
    from meetings.models import Agreement, Session
    from mesa.models import Table

    table = get_object_or_404(Table, slug=table_slug)
    slug = {"table_slug": table.slug}
    anonymous = AnonymousUser()
    private = None if table.is_public else "the table is not public: its content is for members"
    pages = [_page("table", "Table page", reverse("mesa:table-detail", kwargs={"slug": table.slug}))]

    concerns = Concern.objects.filter(table=table)
    listed = concerns.listed()
    total, listed_count = concerns.count(), listed.count()
    list_path = reverse("concerns:concern-list", kwargs=slug)
    pages.append(_page("concerns", "Concern list", list_path, anonymous=private,
                       note=f"{total:,} concerns, {listed_count:,} listed"))
    sample = list(listed.order_by("-pk").values_list("title", "status")[:SAMPLE_TITLES])
    status = Counter(s for _title, s in sample).most_common(1)
    if status:
        status = status[0][0]
        pages.append(_page("concerns-filtered", "Concern list, filtered",
                           f"{list_path}?{urlencode({'status': status})}", anonymous=private,
                           note=f"{listed.filter(status=status).count():,} listed with status {status}"))
    word = search or _frequent_word([title for title, _status in sample])
    if word:
        pages.append(_page("concerns-search", "Concern list, searched",
                           f"{list_path}?{urlencode({'q': word})}", anonymous=private,
                           note=f"\"{word}\": {listed.search(word).count():,} listed concerns match"))

    answered = Exists(Answer.objects.filter(concern=OuterRef("pk")))
    concern = (Concern.objects.visible_to(anonymous).filter(table=table).filter(answered)
               .order_by("-support_count", "pk").first())
    if concern is None:  # a private table, or no public answered concern: the member's best
        concern = (listed.filter(answered).order_by("-support_count", "pk").first()
                   or listed.order_by("-support_count", "pk").first())
    if concern is not None:
        answers = concern.answers.count()
        public = table.is_public and concern.visibility == Visibility.PUBLIC
        pages.append(_page("concern", "Concern page", concern.get_absolute_url(),
                           anonymous=None if public else f"the concern is {concern.visibility}: for members",
                           note=f"concern {concern.pk}: {concern.support_count} supports, {answers} answers"))

    with_agreements = Exists(Agreement.objects.filter(session=OuterRef("pk")))
    past = (Session.objects.filter(table=table, ends_at__lte=timezone.now()).filter(with_agreements)
            .order_by("-is_public", "-starts_at", "-pk"))
    session = past.first() or Session.objects.filter(table=table).order_by("-starts_at", "-pk").first()
    if session is not None:
        public = Session.objects.visible_to(anonymous).filter(pk=session.pk).exists()
        pages.append(_page("session", "Session page", session.get_absolute_url(),
                           anonymous=None if public else "the session is for members",
                           note=f"session {session.pk}: {session.agreements.count()} agreements"))

    dashboard_public = table.is_public and table.dashboard_is_public
    pages.append(_page("dashboard", "Accountability dashboard", reverse("commitments:dashboard", kwargs=slug),
                       anonymous=None if dashboard_public else "the dashboard is for members"))

    indicator = (Indicator.objects.filter(table=table).annotate(observed=Count("observations"))
                 .order_by("-observed", "code").first())
    if indicator is not None:
        pages.append(_page("indicator", "Indicator page", indicator.get_absolute_url(), anonymous=private,
                           note=f"{indicator.code}: {indicator.observed} observations"))

    pages.append(_page("api-concerns", "API concern list",
                       f"{reverse('concern-list')}?{urlencode({'table': table.slug})}", api=True))
    return {
        "table": {"pk": table.pk, "slug": table.slug, "is_public": table.is_public, "concerns": total},
        "pages": pages,
        "baselines": {
            "html": _page("baseline", "Baseline (Django)",
                          reverse("bench-baseline", kwargs={"pk": table.pk})),
            "api": _page("baseline-api", "Baseline (DRF)",
                         reverse("bench-baseline-api", kwargs={"pk": table.pk}), api=True),
        },
    }


def count_queries(pages: list[dict], member_email: str) -> dict:
    """{page key: {visitor: {"status": ..., "queries": ...}}} for the visitors each page serves."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    member = User.objects.filter(email=member_email).first()
    if member is None:
        raise SystemExit(f"no user {member_email} in this database (was it seeded?)")
    clients = {MEMBER: Client(raise_request_exception=False, HTTP_HOST="127.0.0.1"),
               ANONYMOUS: Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")}
    clients[MEMBER].force_login(member)
    counts: dict = {}
    for page in pages:
        accept = "application/json" if page["api"] else "text/html"
        for visitor, client in clients.items():
            if visitor == ANONYMOUS and page["anonymous"]:
                continue
            client.get(page["path"], secure=True, headers={"accept": accept})
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page["path"], secure=True, headers={"accept": accept})
            counted = {"status": response.status_code, "queries": len(queries)}
            if len(queries) > QUERY_BUDGET:  # what to look at first
                counted["sql"] = [query["sql"][:200] for query in queries.captured_queries]
            counts.setdefault(page["key"], {})[visitor] = counted
    return counts


def is_member(email: str, table_pk: int) -> bool:
    from mesa.models import Membership

    return Membership.objects.active().filter(table_id=table_pk, user__email=email).exists()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--table", required=True)
    parser.add_argument("--member", required=True, help="the member's email address")
    parser.add_argument("--search", help="the word to search for (default: a frequent word of the titles)")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    picked = pick_pages(args.table, search=args.search)
    every = [*picked["pages"], *picked["baselines"].values()]
    picked["queries"] = count_queries(every, args.member)
    picked["member"] = {"email": args.member,
                        "member_of_table": is_member(args.member, picked["table"]["pk"])}
    args.output.write_text(json.dumps(picked, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
