"""Session pages (placeholder)."""

from django.http import HttpResponse


def session_list(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_archive(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_create(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_detail(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_edit(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_reschedule(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_cancel(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_rsvp(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def session_attendance(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agenda_item_create(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agenda_publish(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agenda_item_edit(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agenda_item_remove(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agenda_item_move(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def minutes_edit(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def minutes_correct(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def minutes_approve(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)
