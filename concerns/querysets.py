from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q, TextField, Value

# Configurations the search vector is built with (migration 0001 of concerns).
SEARCH_CONFIGS = ("spanish", "english")


def _unaccent(text: str) -> Func:
    return Func(Value(text), function="mesa_unaccent", output_field=TextField())


class ConcernQuerySet(models.QuerySet):
    def listed(self):
        """What lists show: not hidden, not rejected, not folded into another concern."""
        from concerns.models import LISTED

        return self.filter(LISTED)

    def visible_to(self, user):
        """Concerns whose content `user` may read: the one rule, for pages, lists and the API.

        Public concerns: everyone, at a public table; members otherwise.
        Restricted and anonymous concerns: the table's members.
        Hidden, rejected and duplicate concerns: only the reporter, the
        coordinators of the concern's subcommittee and the table's secretariat.
        """
        from concerns.models import LISTED as listed
        from concerns.models import Visibility
        from mesa.permissions import subcommittees_coordinated_by, tables_for_user

        public_at_public_table = Q(visibility=Visibility.PUBLIC, table__is_public=True)
        if not user.is_authenticated:
            return self.filter(listed & public_at_public_table)
        member_of = tables_for_user(user, "mesa.view_table_content")
        secretariat_of = tables_for_user(user, "mesa.manage_subcommittees")
        return self.filter(
            (listed & (public_at_public_table | Q(table__in=member_of)))
            | Q(reporter=user)
            | Q(table__in=secretariat_of)
            | Q(subcommittee__in=subcommittees_coordinated_by(user))
        )

    def listed_at(self, user, table):
        """What the lists of `table` show `user`: visible_to(user).listed() at that table, written
        so that the table's indexes serve it. A member of the table reads every listed concern
        there, so for them the rule's OR of subqueries (which makes PostgreSQL read and sort
        every concern of the table for one page of a list) reduces to the table's listed ones."""
        from mesa.permissions import has_table_perm

        if has_table_perm(user, "view_table_content", table):
            return self.filter(table=table).listed()
        return self.visible_to(user).filter(table=table).listed()

    def search(self, text: str):
        """Full text in Spanish and English, accents folded: "extorsion" finds "extorsión"."""
        text = (text or "").strip()[:200]
        if not text:
            return self
        query = None
        for config in SEARCH_CONFIGS:
            part = SearchQuery(_unaccent(text), config=config, search_type="websearch")
            query = part if query is None else query | part
        return (self.filter(search_vector=query)
                .annotate(search_rank=SearchRank(F("search_vector"), query)))

    # The triage queues, oldest first. Hidden concerns and duplicates are in none:
    # they have been dealt with.
    def _current(self):
        return self.filter(hidden_at__isnull=True, duplicate_of__isnull=True)

    def awaiting_triage(self):
        return self._current().filter(status="submitted").order_by("created_at", "pk")

    def _in_work(self):
        return self._current().filter(status__in=("accepted", "answered", "in_progress"))

    def unassigned(self):
        from concerns.models import ConcernAssignment

        return (self._in_work()
                .filter(~Exists(ConcernAssignment.objects.filter(concern=OuterRef("pk"))))
                .order_by("accepted_at", "pk"))

    def unanswered_since(self, cutoff):
        """Accepted before `cutoff` and still without an official answer."""
        from concerns.models import Answer

        return (self._in_work()
                .filter(~Exists(Answer.objects.filter(concern=OuterRef("pk"))),
                        accepted_at__lt=cutoff)
                .order_by("accepted_at", "pk"))

    def by_priority(self):
        return self.order_by("-support_count", "-created_at", "-pk")

    def with_list_data(self):
        # The search vector is the largest column and no page shows it.
        return (self.defer("search_vector")
                .select_related("table", "subcommittee", "colonia", "reporter")
                .prefetch_related("accused_institutions", "assigned_institutions"))


class RatingQuerySet(models.QuerySet):
    def per_institution(self):
        """Average rating and count per answering institution: the citizens' evaluation
        that the accountability dashboard shows beside the indicators."""
        from django.db.models import Avg, Count

        return (self.values("answer__institution", "answer__institution__name",
                            "answer__institution__level")
                .annotate(average=Avg("score"), ratings=Count("pk"))
                .order_by("answer__institution__level", "answer__institution__name"))
