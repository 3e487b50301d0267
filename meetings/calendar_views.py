"""Calendar feeds (placeholder)."""

from django.http import HttpResponse


def table_calendar(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def subcommittee_calendar(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_ics(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def personal_calendar(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def calendar_settings(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)
