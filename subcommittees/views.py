from django.shortcuts import render

from subcommittees import permissions


def subcommittee_detail(request, table_slug: str, slug: str):
    subcommittee = permissions.get_subcommittee_for_user(request.user, table_slug, slug)
    return render(request, "subcommittees/subcommittee_detail.html", {"subcommittee": subcommittee})


def _todo(*args, **kwargs):
    from django.http import Http404

    raise Http404


subcommittee_list = subcommittee_create = subcommittee_edit = _todo
subcommittee_archive = subcommittee_unarchive = subcommittee_coordinators = _todo
