"""Placeholder while this module is being built."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


overview = justice_chain = evaluation = indicator_create = indicator_detail = indicator_edit = _missing
target_set = observation_create = observation_correct = _missing
