"""Counts kept in the cache for a while, and the pagination that uses them.

A page of a list reads 20 rows by an index; its count reads every row that matches,
100,000 of them for the concerns of a large table. So the count (or the aggregates) of
each distinct query (its SQL and parameters: two people who may read different rows
never share one) is kept for COUNT_SECONDS, and forgotten at once when a row of the
model is saved or deleted (`forget_counts`, which the owning app connects to its
models' signals). The rows themselves are always read fresh.
"""

import hashlib
import time

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import PageNumberPagination

COUNT_SECONDS = 300


def _generation_key(model) -> str:
    return f"count-generation:{model._meta.label_lower}"


def forget_counts(model) -> None:
    """Every kept count of `model`'s lists is out of date (a new generation of keys)."""
    key = _generation_key(model)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): any new value is a new generation
        cache.set(key, time.time_ns(), timeout=None)


def _kept(queryset, kind: str, compute):
    model = queryset.model
    sql, params = queryset.order_by().query.sql_with_params()
    digest = hashlib.sha256(repr((kind, sql, params)).encode()).hexdigest()
    generation = cache.get(_generation_key(model), 0)
    key = f"count:{model._meta.label_lower}:{generation}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=COUNT_SECONDS)
    return value


def forget_counts_when_changed(model, *senders) -> None:
    """Connect `senders` (default: `model`; also m2m through models) so that any save, delete or
    m2m change forgets `model`'s kept counts: at once, and again at commit, so that no count
    read before the commit outlives it."""
    from django.db import transaction
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def forget(**kwargs) -> None:
        forget_counts(model)
        transaction.on_commit(lambda: forget_counts(model))

    for sender in senders or (model,):
        uid = f"forget-counts:{model._meta.label_lower}:{sender._meta.label_lower}"
        if sender._meta.auto_created:  # an m2m's through model
            m2m_changed.connect(forget, sender=sender, weak=False, dispatch_uid=uid)
        else:
            post_save.connect(forget, sender=sender, weak=False, dispatch_uid=uid)
            post_delete.connect(forget, sender=sender, weak=False, dispatch_uid=uid)


def cached_count(queryset) -> int:
    return _kept(queryset, "count", queryset.count)


def cached_aggregate(queryset, **aggregates) -> dict:
    """queryset.aggregate(**aggregates), kept like a count (the aggregates are part of the key)."""
    return _kept(queryset, repr(sorted((name, str(expression)) for name, expression in aggregates.items())),
                 lambda: queryset.aggregate(**aggregates))


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "query"):
            return cached_count(self.object_list)
        return super().count


class CachedCountPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
