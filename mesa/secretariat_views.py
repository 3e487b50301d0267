"""The secretariat's pages: members, invitations, institutions, organisations, settings."""

from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


table_settings = member_list = member_invite = member_detail = member_role = _todo
member_verify = member_refuse = member_remove = institution_list = institution_create = _todo
institution_edit = organisation_create = organisation_edit = _todo
