"""Subcommittee pages: the list and one subcommittee for everyone; creating, renaming,
archiving and appointing coordinators for the secretariat. Subcommittees are never deleted.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from meetings import permissions as meeting_permissions
from meetings.models import Session
from mesa import permissions as mesa_permissions
from mesa.forms import add_service_error
from subcommittees import permissions, services
from subcommittees.forms import SubcommitteeCoordinatorsForm, SubcommitteeForm


def _coordinators_by_name():
    return Prefetch("coordinators", queryset=get_user_model().objects.order_by("display_name", "pk"))


@require_safe
def subcommittee_list(request, table_slug: str):
    table = mesa_permissions.get_table_for_user(request.user, table_slug)
    # One query for the subcommittees, one for all their coordinators.
    subcommittees = list(
        table.subcommittees.prefetch_related(_coordinators_by_name()).order_by("pk")
    )
    return render(request, "subcommittees/subcommittee_list.html", {
        "table": table,
        "table_perms": mesa_permissions.table_permissions(request.user, table),
        "active": [s for s in subcommittees if not s.is_archived],
        "archived": [s for s in subcommittees if s.is_archived],
    })


@require_safe
def subcommittee_detail(request, table_slug: str, slug: str):
    subcommittee = permissions.get_subcommittee_for_user(request.user, table_slug, slug)
    table = subcommittee.table
    upcoming = (Session.objects.visible_to(request.user).filter(subcommittee=subcommittee)
                .upcoming().with_list_data()[:5])
    with timezone.override(table.zone):
        return render(request, "subcommittees/subcommittee_detail.html", {
            "subcommittee": subcommittee,
            "table": table,
            "table_perms": mesa_permissions.table_permissions(request.user, table),
            "coordinators": subcommittee.coordinators.order_by("display_name", "pk"),
            "can_manage": permissions.can_manage(request.user, subcommittee),
            "upcoming_sessions": list(upcoming),
            "can_schedule": (not subcommittee.is_archived
                             and meeting_permissions.can_schedule(request.user, table, subcommittee)),
        })


@login_required
@require_http_methods(["GET", "POST"])
def subcommittee_create(request, table_slug: str):
    # No subcommittee yet: the table-wide rule behind permissions.can_manage.
    table = mesa_permissions.get_table_for_user(
        request.user, table_slug, mesa_permissions.can_manage_subcommittees
    )
    form = SubcommitteeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            subcommittee = services.subcommittee_create(table=table, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The subcommittee %(name)s was created.") % {
                "name": subcommittee.name,
            })
            return redirect(subcommittee)
    return render(request, "subcommittees/subcommittee_form.html", {"table": table, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def subcommittee_edit(request, table_slug: str, slug: str):
    subcommittee = permissions.get_subcommittee_for_user(
        request.user, table_slug, slug, permissions.can_manage
    )
    form = SubcommitteeForm(request.POST if request.method == "POST" else None, initial={
        "name_es": subcommittee.name_es,
        "name_en": subcommittee.name_en,
        "description": subcommittee.description,
    })
    if request.method == "POST" and form.is_valid():
        try:
            services.subcommittee_update(subcommittee=subcommittee, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The subcommittee was saved."))
            return redirect(subcommittee)
    return render(request, "subcommittees/subcommittee_form.html", {
        "table": subcommittee.table,
        "subcommittee": subcommittee,
        "form": form,
    })


def _archive_page(request, table_slug: str, slug: str, *, archive: bool):
    """GET asks for confirmation; POST archives (or brings back) and returns to the subcommittee."""
    subcommittee = permissions.get_subcommittee_for_user(
        request.user, table_slug, slug, permissions.can_manage
    )
    if request.method == "POST":
        try:
            if archive:
                services.subcommittee_archive(subcommittee=subcommittee)
            else:
                services.subcommittee_unarchive(subcommittee=subcommittee)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The subcommittee was archived.") if archive
                             else _("The subcommittee is active again."))
        return redirect(subcommittee)
    return render(request, "subcommittees/subcommittee_archive.html", {
        "table": subcommittee.table,
        "subcommittee": subcommittee,
        "archive": archive,
    })


@login_required
@require_http_methods(["GET", "POST"])
def subcommittee_archive(request, table_slug: str, slug: str):
    return _archive_page(request, table_slug, slug, archive=True)


@login_required
@require_http_methods(["GET", "POST"])
def subcommittee_unarchive(request, table_slug: str, slug: str):
    return _archive_page(request, table_slug, slug, archive=False)


@login_required
@require_http_methods(["GET", "POST"])
def subcommittee_coordinators(request, table_slug: str, slug: str):
    subcommittee = permissions.get_subcommittee_for_user(
        request.user, table_slug, slug, permissions.can_manage
    )
    form = SubcommitteeCoordinatorsForm(
        request.POST if request.method == "POST" else None,
        subcommittee=subcommittee,
        initial={"coordinators": list(subcommittee.coordinators.values_list("pk", flat=True))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.subcommittee_set_coordinators(
                subcommittee=subcommittee, users=list(form.cleaned_data["coordinators"])
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The coordinators were saved."))
            return redirect(subcommittee)
    return render(request, "subcommittees/subcommittee_coordinators.html", {
        "table": subcommittee.table,
        "subcommittee": subcommittee,
        "form": form,
        "table_perms": mesa_permissions.table_permissions(request.user, subcommittee.table),
    })
