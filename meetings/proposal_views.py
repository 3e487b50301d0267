"""Proposal pages (placeholder)."""

from django.http import HttpResponse


def proposal_list(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def proposal_create(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def proposal_detail(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def proposal_edit(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def proposal_submit(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def proposal_decide(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)
