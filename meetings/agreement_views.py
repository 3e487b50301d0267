"""Agreement pages (placeholder)."""

from django.http import HttpResponse


def agreement_create(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agreement_list(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agreement_detail(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)


def agreement_withdraw(request, *args, **kwargs):  # placeholder until built
    return HttpResponse(status=501)
