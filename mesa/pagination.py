"""Pagination whose count is kept in the cache for a while.

A page of a list reads 20 rows by an index; its count reads every row that matches,
100,000 of them for the concerns of a large table. So the count of each distinct query
(its SQL and parameters: two people who may read different rows never share one) is kept
for COUNT_SECONDS, and forgotten at once when a row of the model is saved or deleted
(`forget_counts`, which the owning app connects to its models' signals). The rows
themselves are always read fresh.
"""

import hashlib

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
    cache.add(key, 0, timeout=None)
    cache.incr(key)


def cached_count(queryset) -> int:
    model = queryset.model
    sql, params = queryset.order_by().query.sql_with_params()
    digest = hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    generation = cache.get(_generation_key(model), 0)
    key = f"count:{model._meta.label_lower}:{generation}:{digest}"
    count = cache.get(key)
    if count is None:
        count = queryset.count()
        cache.set(key, count, timeout=COUNT_SECONDS)
    return count


class CachedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if hasattr(self.object_list, "query"):
            return cached_count(self.object_list)
        return super().count


class CachedCountPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator
