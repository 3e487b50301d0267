"""Placeholder while this module is being built."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


import_upload = import_confirm = export_series = _missing
