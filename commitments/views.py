"""Placeholder while this module is being built."""

from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


commitment_list = commitment_create = commitment_detail = commitment_edit = _missing
commitment_move_due_date = commitment_set_status = delivery_review = update_create = _missing
update_comment = evidence_file = _missing
