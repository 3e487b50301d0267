"""The admin is usable by staff for every model, and never breaks the table's memory."""

import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from mesa.models import Invitation, Membership, MembershipChange, Role, Table
from mesa.services import invitation_create
from subcommittees.models import Subcommittee

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, db):
    root = User.objects.create_superuser(email="root@example.org", password="x" * 12,
                                         display_name="Root")
    client.force_login(root)
    return client


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_a_working_list_and_detail_page(
    staff_client, table, citizen, official, secretariat
):
    invitation_create(table=table, email="new@example.org", role=Role.CITIZEN, invited_by=secretariat)
    for model in admin.site._registry:
        response = staff_client.get(_admin_url(model, "changelist"))
        assert response.status_code == 200, model
        obj = model._default_manager.first()
        if obj is not None:
            assert staff_client.get(_admin_url(model, "change", obj.pk)).status_code == 200, model


def test_a_table_created_in_the_admin_gets_its_groups_and_standing_subcommittees(staff_client):
    response = staff_client.post(_admin_url(Table, "add"), {
        "name": "Mesa de Chihuahua", "slug": "chihuahua", "city": "Chihuahua", "state": "",
        "country": "MX", "description": "", "time_zone": "America/Chihuahua",
        "default_language": "es", "is_public": "on",
        "unanswered_after_days": 10, "resolution_check_after_days": 28, "agenda_notice_days": 7,
    })
    assert response.status_code == 302
    table = Table.objects.get(slug="chihuahua")
    assert Subcommittee.objects.filter(table=table).count() == 5


def test_an_unknown_time_zone_is_a_form_error_in_the_admin(staff_client):
    response = staff_client.post(_admin_url(Table, "add"), {
        "name": "X", "slug": "x", "city": "X", "country": "MX", "time_zone": "Mars/Olympus",
        "default_language": "es",
    })
    assert response.status_code == 200
    assert "time_zone" in response.context["adminform"].form.errors
    assert not Table.objects.filter(slug="x").exists()


@pytest.mark.parametrize("model", [Membership, MembershipChange, Invitation])
def test_membership_records_cannot_be_edited_or_deleted_in_the_admin(staff_client, table, model):
    obj = model._default_manager.first()
    assert staff_client.get(_admin_url(model, "add")).status_code == 403
    assert staff_client.post(_admin_url(model, "delete", obj.pk if obj else 1)).status_code in (403, 404)
    if obj is not None:
        staff_client.post(_admin_url(model, "change", obj.pk), {"note": "rewritten"})
        assert model._default_manager.filter(pk=obj.pk).exists()


def _commitment_models() -> list:
    from commitments.models import Follow
    from mesa.history import ChainedEvent

    return [model for model in apps.get_app_config("commitments").get_models()
            if not issubclass(model, ChainedEvent) and model is not Follow]


def test_who_follows_a_concern_or_a_commitment_is_not_shown_in_the_admin():
    from commitments.models import Follow as CommitmentFollow
    from concerns.models import Follow as ConcernFollow

    assert CommitmentFollow not in admin.site._registry
    assert ConcernFollow not in admin.site._registry


def test_every_commitments_model_is_in_the_admin_to_look_at_never_to_change(staff_client, settings, tmp_path):
    settings.DEBUG = True
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("seed_demo", stdout=io.StringIO())
    models = _commitment_models()
    assert len(models) == 6
    for model in models:
        assert model in admin.site._registry, model
        obj = model._default_manager.first()
        assert obj is not None, model
        changelist = staff_client.get(_admin_url(model, "changelist"), {"q": "PL-"})
        assert changelist.status_code == 200, model
        assert changelist.context["cl"].result_count >= 1, model
        assert staff_client.get(_admin_url(model, "change", obj.pk)).status_code == 200, model
        assert staff_client.get(_admin_url(model, "add")).status_code == 403, model
        assert staff_client.post(_admin_url(model, "delete", obj.pk)).status_code == 403, model
        assert staff_client.post(_admin_url(model, "change", obj.pk), {}).status_code == 403, model
        assert model._default_manager.filter(pk=obj.pk).exists()


def test_the_commitments_admin_shows_which_commitments_are_overdue(staff_client, settings, tmp_path):
    from commitments.models import Commitment

    settings.DEBUG = True
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    call_command("seed_demo", stdout=io.StringIO())
    overdue = Commitment.objects.get(institution__acronym="SSPM")
    response = staff_client.get(_admin_url(Commitment, "changelist"), {"status__exact": "open"})
    assert [c.pk for c in response.context["cl"].result_list] == [overdue.pk]
    assert 'alt="True"' in response.content.decode()
