"""Coordinators' and the secretariat's work on concerns; officials' answers; ratings; colonias."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


triage = concern_status = concern_reroute = concern_assign = concern_duplicate = _todo
concern_hide = concern_unhide = concern_answer = answer_rate = colonia_list = _todo
