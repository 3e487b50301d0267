"""Placeholder while this module is being built."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


dashboard = dashboard_csv = _missing
