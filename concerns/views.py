"""Pages to raise, read, search, support and follow concerns; the receipt follow-up."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


concern_list = concern_create = concern_detail = concern_support = concern_follow = _todo
concern_reply = concern_confirm = concern_reopen = concern_consent = receipt_follow_up = _todo
