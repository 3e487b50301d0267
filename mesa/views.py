from django.http import Http404
from django.shortcuts import render

from mesa import permissions
from mesa.models import Table


def home(request):
    tables = Table.objects.with_member_counts().order_by("name")
    return render(request, "mesa/home.html", {"tables": tables})


def table_detail(request, slug: str):
    table = permissions.get_table_for_user(request.user, slug)
    return render(request, "mesa/table_detail.html", {
        "table": table,
        "table_perms": permissions.table_permissions(request.user, table),
    })


def invitation_accept(request, token: str):
    raise Http404


def table_join(request, slug: str):
    raise Http404


def table_leave(request, slug: str):
    raise Http404


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)
