"""The commitments API: /api/v1/commitments/ and its updates, with the pages' rules.

Refusals (who may not do what) are in test_permissions.py; what the services refuse
is in test_services.py. Here: what each endpoint shows and does, its bad input, and
its query counts."""

import io
from datetime import timedelta

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from commitments import services
from commitments.models import ActionUpdate, Commitment, DueDateChange, UpdateComment, UpdateEvidence
from tests.commitments.factories import institution, post_update, record_agreement, record_commitment
from tests.meetings.factories import held_session

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def detail(commitment) -> str:
    return f"{LIST}{commitment.pk}/"


def updates_url(commitment) -> str:
    return f"{detail(commitment)}updates/"


def comments_url(update) -> str:
    return f"{updates_url(update.commitment)}{update.pk}/comments/"


def saved_state():
    """Everything a request could write: compared before and after a refused one."""
    return (
        list(Commitment.objects.order_by("pk").values_list(
            "description", "due_on", "status", "unit", "requested", "committed", "delivered")),
        DueDateChange.objects.count(), ActionUpdate.objects.count(), UpdateEvidence.objects.count(),
        UpdateComment.objects.count(), Commitment.co_responsible.through.objects.count(),
        Commitment.responsible_officials.through.objects.count(),
    )


def jpeg(name="entrega.jpg") -> SimpleUploadedFile:
    """A real small photo, with a GPS position in its EXIF that must not be kept."""
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 44.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 200)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def private_commitment(table, fge, guard):
    """Under an agreement of a session closed to non-members."""
    session = held_session(table, is_public=False)
    agreement = record_agreement(table, institutions=[fge, guard], session=session)
    return record_commitment(agreement, institution=fge, description="Compromiso reservado.")


def closed(commitment, secretariat):
    """Fulfilled: members may confirm or dispute the delivery."""
    return services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")


# --- Reading -----------------------------------------------------------------------------------


def test_anyone_lists_the_commitments_of_an_open_session(as_user, table, agreement, commitment):
    response = as_user(None).get(LIST)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == commitment.pk
    assert row["code"] == f"{agreement.code}-1"
    assert row["table"] == table.slug
    assert row["agreement"]["id"] == agreement.pk and row["agreement"]["code"] == agreement.code
    assert row["institution"]["acronym"] == "FGE" and row["institution"]["level"] == "state"
    assert (row["unit"], row["requested"], row["committed"], row["delivered"]) == (
        "agentes del ministerio público", 200, 40, 0)
    assert row["delivered_share"] == 0
    assert row["status"] == "open"
    assert (row["overdue"], row["days_overdue"]) == (False, 0)
    assert row["due_on"] == row["original_due_on"] == commitment.due_on.isoformat()
    assert row["time_zone"] == "America/Ciudad_Juarez"
    assert (row["reviews_confirmed"], row["reviews_disputed"]) == (0, 0)


def test_responsible_officials_are_named_to_the_tables_members_only(as_user, commitment, fge_official,
                                                                    secretariat, citizen, outsider):
    services.commitment_update(commitment=commitment, actor=secretariat, description=commitment.description,
                               co_responsible=[], responsible_officials=[fge_official],
                               unit=commitment.unit, requested=200, committed=40)
    expected = [{"id": fge_official.pk, "display_name": fge_official.display_name}]
    assert as_user(citizen).get(detail(commitment)).json()["responsible_officials"] == expected
    assert as_user(citizen).get(LIST).json()["results"][0]["responsible_officials"] == expected
    for stranger in (outsider, None):
        assert as_user(stranger).get(detail(commitment)).json()["responsible_officials"] is None
        assert as_user(stranger).get(LIST).json()["results"][0]["responsible_officials"] is None


def test_commitments_of_a_closed_session_are_only_for_members(as_user, private_commitment, citizen,
                                                              outsider, other_secretariat):
    assert as_user(citizen).get(detail(private_commitment)).status_code == 200
    assert as_user(citizen).get(LIST).json()["count"] == 1
    for stranger in (None, outsider, other_secretariat):
        api = as_user(stranger)
        assert api.get(LIST).json()["count"] == 0
        assert api.get(detail(private_commitment)).status_code == 404
        assert api.get(updates_url(private_commitment)).status_code == 404


def test_the_detail_shows_overdue_moves_and_reviews(as_user, table, commitment, secretariat, citizen,
                                                    coordinator, fge_official):
    session = held_session(table)
    agreement_day = services.agreement_date(commitment.agreement)
    services.commitment_move_due_date(commitment=commitment, actor=secretariat, due_on=agreement_day,
                                      reason="Se adelantó en el pleno.", agreed_at=session,
                                      agreed_by="El pleno")
    # A due date that has passed, as the database would hold after days went by.
    Commitment.objects.filter(pk=commitment.pk).update(due_on=agreement_day - timedelta(days=3))
    services.delivery_review(commitment=commitment, user=citizen, verdict="disputed",
                             comment="No llegaron.")
    services.delivery_review(commitment=commitment, user=coordinator, verdict="confirmed")
    post_update(commitment, fge_official, delivered_change=50)

    data = as_user(citizen).get(detail(commitment)).json()
    assert data["status"] == "in_progress"
    assert data["overdue"] is True and data["days_overdue"] >= 3
    assert data["original_due_on"] == (agreement_day + timedelta(days=90)).isoformat()
    assert data["due_date_moved"] is True
    [move] = data["due_date_changes"]
    assert move["previous_due_on"] == data["original_due_on"]
    assert move["new_due_on"] == agreement_day.isoformat()
    assert move["reason"] == "Se adelantó en el pleno."
    assert move["agreed_at"] == {"id": session.pk, "code": session.code}
    assert move["agreed_by"] == "El pleno"
    assert move["changed_by"] == {"id": secretariat.pk, "display_name": secretariat.display_name}
    assert data["delivered"] == 50 and data["delivered_share"] == 0.25
    assert (data["reviews_confirmed"], data["reviews_disputed"]) == (1, 1)
    assert data["viewer"] == {"can_manage": False, "can_post_update": False, "can_review": True,
                              "review_open": True, "my_review": "disputed", "following": False}
    assert as_user(None).get(detail(commitment)).json()["due_date_changes"][0]["changed_by"] is None


def test_the_viewer_says_what_each_person_may_do(as_user, commitment, secretariat, fge_official):
    assert as_user(secretariat).get(detail(commitment)).json()["viewer"] == {
        "can_manage": True, "can_post_update": False, "can_review": True, "review_open": False,
        "my_review": None, "following": False}
    assert as_user(fge_official).get(detail(commitment)).json()["viewer"]["can_post_update"] is True
    assert as_user(None).get(detail(commitment)).json()["viewer"] == {
        "can_manage": False, "can_post_update": False, "can_review": False, "review_open": False,
        "my_review": None, "following": False}


# --- Filters ----------------------------------------------------------------------------------


@pytest.fixture
def three_commitments(table, agreement, fge, guard, police, secretariat):
    """FGE (state) due in 90 days, GN (federal) due in 10, and SSPM (municipal, under a second
    agreement) overdue."""
    second = record_agreement(table, institutions=[police])
    first = record_commitment(agreement, institution=fge)
    soon = record_commitment(agreement, institution=guard, due_in_days=10, unit="", requested=None,
                             committed=None)
    late = record_commitment(second, institution=police, due_in_days=1)
    Commitment.objects.filter(pk=late.pk).update(due_on=late.due_on - timedelta(days=30))
    services.commitment_set_status(commitment=first, actor=secretariat, status="in_progress")
    return first, soon, late


@pytest.mark.parametrize(("query", "expected"), [
    ({}, ["late", "soon", "first"]),
    ({"ordering": "-due_on"}, ["first", "soon", "late"]),
    ({"level": "federal"}, ["soon"]),
    ({"status": "in_progress"}, ["first"]),
    ({"overdue": "true"}, ["late"]),
    ({"overdue": "false"}, ["soon", "first"]),
    ({"table": "no-such-table"}, []),
])
def test_the_list_filters_and_orders(as_user, table, three_commitments, query, expected):
    names = dict(zip(("first", "soon", "late"), (c.pk for c in three_commitments), strict=True))
    response = as_user(None).get(LIST, query)
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()["results"]] == [names[n] for n in expected]


def test_the_list_filters_by_table_agreement_and_institution(as_user, table, three_commitments, guard):
    first, soon, late = three_commitments
    api = as_user(None)
    assert api.get(LIST, {"table": table.slug}).json()["count"] == 3
    by_agreement = api.get(LIST, {"agreement": first.agreement_id}).json()["results"]
    assert {row["id"] for row in by_agreement} == {first.pk, soon.pk}
    assert [row["id"] for row in api.get(LIST, {"institution": guard.pk}).json()["results"]] == [soon.pk]
    overdue = api.get(LIST, {"overdue": "true"}).json()["results"]
    assert overdue[0]["days_overdue"] >= 29


@pytest.mark.parametrize("query", [{"level": "galactic"}, {"status": "lost"}, {"institution": "abc"},
                                   {"agreement": "99999999999999999999"}, {"ordering": "pk"}])
def test_a_bad_filter_is_a_400(as_user, commitment, query):
    response = as_user(None).get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


# --- Recording --------------------------------------------------------------------------------


def test_the_secretariat_records_a_commitment(as_user, agreement, commitment, fge, guard, fge_official,
                                              secretariat):
    due_on = services.agreement_date(agreement) + timedelta(days=60)
    response = as_user(secretariat).post(LIST, {
        "agreement": agreement.pk, "institution": fge.pk, "co_responsible": [guard.pk],
        "responsible_officials": [fge_official.pk], "description": "Enviar 20 peritos.",
        "due_on": due_on.isoformat(), "unit": "peritos", "requested": 20, "committed": 20,
    }, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == f"{agreement.code}-2" and data["number"] == 2
    assert data["co_responsible"] == [{"id": guard.pk, "name": guard.name, "acronym": "GN",
                                       "level": "federal"}]
    assert data["responsible_officials"] == [{"id": fge_official.pk,
                                              "display_name": fge_official.display_name}]
    assert data["due_on"] == data["original_due_on"] == due_on.isoformat()
    assert (data["unit"], data["requested"], data["committed"], data["delivered"]) == ("peritos", 20, 20, 0)
    assert data["viewer"]["can_manage"] is True
    created = Commitment.objects.get(pk=data["id"])
    assert created.created_by == secretariat and created.table == agreement.table


@pytest.mark.parametrize(("change", "field"), [
    ({"requested": -1}, "requested"),
    ({"committed": 1_000_001}, "committed"),
    ({"requested": 10**30}, "requested"),
    ({"unit": "", "requested": 5}, "unit"),
    ({"due_on": "2000-01-01"}, "due_on"),
    ({"due_on": "2027-13-45"}, "due_on"),
    ({"description": ""}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"institution": "FOREIGN"}, "institution"),
    ({"institution": "POLICE"}, "institution"),
    ({"co_responsible": ["FOREIGN"]}, "co_responsible"),
    ({"co_responsible": ["POLICE"]}, "co_responsible"),
    ({"co_responsible": "garbage"}, "co_responsible"),
    ({"responsible_officials": ["OUTSIDER"]}, "responsible_officials"),
    ({"responsible_officials": ["POLICE_OFFICIAL"]}, "responsible_officials"),
    ({"responsible_officials": [2**40]}, "responsible_officials"),
])
def test_bad_input_to_record_is_a_400_naming_the_field_and_saves_nothing(
        as_user, other_table, agreement, commitment, fge, police, police_official, outsider, secretariat,
        change, field):
    ids = {"FOREIGN": institution(other_table, "Fiscalía ajena").pk, "POLICE": police.pk,
           "OUTSIDER": outsider.pk, "POLICE_OFFICIAL": police_official.pk}

    def resolve(value):
        if isinstance(value, list):
            return [ids.get(v, v) for v in value]
        return ids.get(value, value) if isinstance(value, str) else value

    body = {"agreement": agreement.pk, "institution": fge.pk, "description": "Enviar peritos.",
            "due_on": (services.agreement_date(agreement) + timedelta(days=30)).isoformat(),
            "unit": "peritos", "requested": 10}
    body.update({key: resolve(value) for key, value in change.items()})
    before = saved_state()
    response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_an_agreement_you_may_not_see_is_a_400_on_its_field(as_user, table, fge, other_secretariat):
    hidden = record_agreement(table, institutions=[fge], session=held_session(table, is_public=False))
    response = as_user(other_secretariat).post(LIST, {"agreement": hidden.pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["agreement"]


def test_a_withdrawn_agreement_takes_no_commitments(as_user, agreement, fge, secretariat):
    from meetings import services as meeting_services

    meeting_services.agreement_withdraw(agreement=agreement, actor=secretariat, reason="Error")
    response = as_user(secretariat).post(LIST, {
        "agreement": agreement.pk, "institution": fge.pk, "description": "Algo",
        "due_on": (services.agreement_date(agreement) + timedelta(days=3)).isoformat(),
    }, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert Commitment.objects.count() == 0


# --- Changing -----------------------------------------------------------------------------------


def test_the_secretariat_edits_what_was_committed(as_user, commitment, guard, fge_official, secretariat):
    response = as_user(secretariat).patch(detail(commitment), {
        "description": "Enviar 40 agentes y 5 peritos.", "co_responsible": [guard.pk],
        "responsible_officials": [fge_official.pk], "committed": 45,
    }, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["description"] == "Enviar 40 agentes y 5 peritos."
    assert [i["id"] for i in data["co_responsible"]] == [guard.pk]
    assert [p["id"] for p in data["responsible_officials"]] == [fge_official.pk]
    assert (data["unit"], data["requested"], data["committed"]) == ("agentes del ministerio público", 200, 45)


def test_fields_left_out_of_an_edit_keep_their_value(as_user, commitment, guard, fge_official, secretariat):
    services.commitment_update(commitment=commitment, actor=secretariat, description="Antes",
                               co_responsible=[guard], responsible_officials=[fge_official],
                               unit=commitment.unit, requested=200, committed=40)
    response = as_user(secretariat).patch(detail(commitment), {"requested": 210}, format="json")
    assert response.status_code == 200, response.json()
    commitment.refresh_from_db()
    assert (commitment.description, commitment.requested, commitment.committed) == ("Antes", 210, 40)
    assert list(commitment.co_responsible.all()) == [guard]
    assert list(commitment.responsible_officials.all()) == [fge_official]


@pytest.mark.parametrize(("body", "field"), [
    ({"due_on": "2030-01-01"}, "due_on"),
    ({"status": "fulfilled"}, "status"),
    ({"institution": 1}, "institution"),
    ({"delivered": 200}, "delivered"),
    ({"requested": -5}, "requested"),
    ({"unit": ""}, "unit"),
    ({"co_responsible": [10**12]}, "co_responsible"),
])
def test_an_edit_refuses_what_it_may_not_change(as_user, commitment, secretariat, body, field):
    before = saved_state()
    response = as_user(secretariat).patch(detail(commitment), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_moving_the_due_date_keeps_the_original(as_user, table, commitment, secretariat):
    session = held_session(table)
    new = commitment.due_on + timedelta(days=30)
    response = as_user(secretariat).post(f"{detail(commitment)}move-due-date/", {
        "due_on": new.isoformat(), "reason": "Falta presupuesto.", "agreed_at": session.pk,
        "agreed_by": "El pleno",
    }, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["due_on"] == new.isoformat()
    assert data["original_due_on"] == commitment.due_on.isoformat()
    assert [(m["reason"], m["agreed_at"]["id"]) for m in data["due_date_changes"]] == [
        ("Falta presupuesto.", session.pk)]


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": "Porque sí"}, "due_on"),
    ({"due_on": "DAYS+10"}, "reason"),
    ({"due_on": "DAYS+10", "reason": "   "}, "reason"),
    ({"due_on": "2001-01-01", "reason": "Antes"}, "due_on"),
    ({"due_on": "DAYS+0", "reason": "Igual"}, "due_on"),
    ({"due_on": "DAYS+10", "reason": "Pleno", "agreed_at": "OTHER_SESSION"}, "agreed_at"),
    ({"due_on": "DAYS+10", "reason": "Pleno", "agreed_at": 2**40}, "agreed_at"),
    ({"due_on": "DAYS+10", "reason": "Pleno", "agreed_by": "x" * 301}, "agreed_by"),
])
def test_bad_due_date_moves_are_a_400_and_save_nothing(as_user, other_table, commitment, secretariat, body,
                                                       field):
    other_session = held_session(other_table)

    def resolve(value):
        if value == "OTHER_SESSION":
            return other_session.pk
        if isinstance(value, str) and value.startswith("DAYS+"):
            return (commitment.due_on + timedelta(days=int(value[5:]))).isoformat()
        return value

    before = saved_state()
    response = as_user(secretariat).post(f"{detail(commitment)}move-due-date/",
                                         {k: resolve(v) for k, v in body.items()}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_setting_the_status(as_user, commitment, secretariat):
    api = as_user(secretariat)
    response = api.post(f"{detail(commitment)}set-status/", {"status": "fulfilled"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "fulfilled"
    assert response.json()["fulfilled_at"] is not None
    assert response.json()["viewer"]["review_open"] is True


def test_a_withdrawal_needs_a_reason_and_is_final(as_user, commitment, secretariat):
    api = as_user(secretariat)
    url = f"{detail(commitment)}set-status/"
    before = saved_state()
    response = api.post(url, {"status": "withdrawn"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert saved_state() == before
    response = api.post(url, {"status": "withdrawn", "reason": "La fiscalía no tiene presupuesto."},
                        format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == (
        "withdrawn", "La fiscalía no tiene presupuesto.")
    before = saved_state()
    for response in (
        api.post(url, {"status": "open"}, format="json"),
        api.patch(detail(commitment), {"description": "Otra cosa"}, format="json"),
        api.post(f"{detail(commitment)}move-due-date/", {
            "due_on": (commitment.due_on + timedelta(days=3)).isoformat(), "reason": "x"}, format="json"),
    ):
        assert response.status_code == 400
        assert "withdrawn" in response.json()["non_field_errors"][0]
    assert saved_state() == before


@pytest.mark.parametrize("body", [{"status": "lost"}, {}, {"status": "open"}, {"status": ["fulfilled"]}])
def test_a_bad_status_is_a_400(as_user, commitment, secretariat, body):
    response = as_user(secretariat).post(f"{detail(commitment)}set-status/", body, format="json")
    assert response.status_code == 400
    assert "status" in response.json()


# --- Reviews ------------------------------------------------------------------------------------


def test_members_confirm_or_dispute_once_the_commitment_is_closed(as_user, commitment, secretariat, citizen,
                                                                  coordinator):
    closed(commitment, secretariat)
    response = as_user(citizen).post(f"{detail(commitment)}review/",
                                     {"verdict": "disputed", "comment": "Solo llegaron 10."}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["reviews_disputed"] == 1
    assert response.json()["viewer"]["my_review"] == "disputed"
    as_user(coordinator).post(f"{detail(commitment)}review/", {"verdict": "confirmed"}, format="json")
    response = as_user(citizen).post(f"{detail(commitment)}review/", {"verdict": "confirmed"}, format="json")
    assert (response.json()["reviews_confirmed"], response.json()["reviews_disputed"]) == (2, 0)


@pytest.mark.parametrize(("body", "field"), [
    ({"verdict": "disputed"}, "comment"),
    ({"verdict": "disputed", "comment": "  "}, "comment"),
    ({"verdict": "maybe"}, "verdict"),
    ({"verdict": "confirmed", "comment": "x" * 2001}, "comment"),
])
def test_bad_reviews_are_a_400(as_user, commitment, secretariat, citizen, body, field):
    closed(commitment, secretariat)
    response = as_user(citizen).post(f"{detail(commitment)}review/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert commitment.reviews.count() == 0


def test_a_review_before_the_due_date_is_a_400(as_user, commitment, citizen):
    response = as_user(citizen).post(f"{detail(commitment)}review/", {"verdict": "confirmed"}, format="json")
    assert response.status_code == 400
    assert "due date" in response.json()["non_field_errors"][0]
    assert commitment.reviews.count() == 0


# --- Action updates -------------------------------------------------------------------------------


def test_an_official_posts_an_update_as_json(as_user, commitment, fge, fge_official):
    response = as_user(fge_official).post(updates_url(commitment), {
        "text": "Llegaron 40 agentes.", "action_on": commitment.local_today().isoformat(),
        "delivered_change": 40,
    }, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["text"] == "Llegaron 40 agentes." and data["delivered_change"] == 40
    assert data["institution"]["id"] == fge.pk
    assert data["author"] == {"id": fge_official.pk, "display_name": fge_official.display_name}
    assert data["evidence"] == [] and data["comments"] == [] and data["corrects"] is None
    commitment.refresh_from_db()
    assert (commitment.status, commitment.delivered) == ("in_progress", 40)


def test_an_update_with_a_photo_as_multipart(as_user, table, commitment, fge_official, private_root):
    response = as_user(fge_official).post(updates_url(commitment), {
        "text": "Foto de la llegada.", "action_on": commitment.local_today().isoformat(),
        "delivered_change": "40", "evidence": [jpeg()],
    }, format="multipart")
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    stored = UpdateEvidence.objects.get()
    assert evidence["id"] == stored.pk
    assert (evidence["kind"], evidence["content_type"], evidence["name"]) == ("image", "image/jpeg",
                                                                              "entrega.jpg")
    assert evidence["size"] == stored.size > 0
    assert evidence["url"] == f"http://testserver/t/{table.slug}/commitments/evidence/{stored.pk}/"
    # The stored copy has lost its GPS position, and its private name shows nowhere.
    with Image.open(stored.file.path) as photo:
        assert not photo.getexif().get_ifd(0x8825)
    assert stored.file.name not in response.content.decode()
    assert str(private_root) not in response.content.decode()
    listed = as_user(None).get(updates_url(commitment)).json()["results"][0]["evidence"]
    assert listed == [evidence]
    # The address leads to the page that serves it.
    served = as_user(None).get(evidence["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_a_refused_file_saves_no_update_and_no_file(as_user, commitment, fge_official, private_root):
    before = saved_state()
    response = as_user(fge_official).post(updates_url(commitment), {
        "text": "Adjunto.", "action_on": commitment.local_today().isoformat(), "delivered_change": "40",
        "evidence": [jpeg(), SimpleUploadedFile("notas.jpg", b"no es una foto", content_type="image/jpeg")],
    }, format="multipart")
    assert response.status_code == 400
    assert "notas.jpg" in response.json()["evidence"][0]
    assert saved_state() == before
    assert stored_files(private_root) == []


def test_too_many_files_are_a_400(as_user, commitment, fge_official, private_root):
    response = as_user(fge_official).post(updates_url(commitment), {
        "text": "Adjunto.", "action_on": commitment.local_today().isoformat(),
        "evidence": [jpeg(f"{n}.jpg") for n in range(6)],
    }, format="multipart")
    assert response.status_code == 400
    assert "evidence" in response.json()
    assert ActionUpdate.objects.count() == 0 and stored_files(private_root) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"text": ""}, "text"),
    ({"action_on": "TOMORROW"}, "action_on"),
    ({"action_on": "2001-01-01"}, "action_on"),
    ({"action_on": "ayer"}, "action_on"),
    ({"delivered_change": -5}, "delivered_change"),
    ({"delivered_change": 2_000_000}, "delivered_change"),
    ({"delivered_change": 10**20}, "delivered_change"),
    ({"corrects": 2**40}, "corrects"),
    ({"corrects": "OTHER_UPDATE"}, "corrects"),
    ({"evidence": "not a file"}, "evidence"),
])
def test_bad_updates_are_a_400_naming_the_field_and_save_nothing(as_user, agreement, fge, commitment,
                                                                 fge_official, change, field):
    other = record_commitment(agreement, institution=fge)
    other_update = post_update(other, fge_official)
    today = commitment.local_today()
    body = {"text": "Avance.", "action_on": today.isoformat(), "delivered_change": 10}
    values = {"TOMORROW": (today + timedelta(days=1)).isoformat(), "OTHER_UPDATE": other_update.pk}
    body.update({k: values.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    before = saved_state()
    response = as_user(fge_official).post(updates_url(commitment), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert saved_state() == before


def test_a_correction_takes_delivered_quantities_back(as_user, commitment, fge_official):
    wrong = post_update(commitment, fge_official, delivered_change=40)
    response = as_user(fge_official).post(updates_url(commitment), {
        "text": "Eran 30, no 40.", "action_on": commitment.local_today().isoformat(),
        "delivered_change": -10, "corrects": wrong.pk,
    }, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["corrects"] == wrong.pk
    commitment.refresh_from_db()
    assert commitment.delivered == 30


def test_the_updates_list_shows_comments_oldest_first(as_user, commitment, fge_official, secretariat,
                                                      citizen):
    first = post_update(commitment, fge_official, text="Primero", delivered_change=10)
    post_update(commitment, fge_official, text="Segundo", delivered_change=10)
    services.update_comment(update=first, actor=secretariat, text="¿Con qué fecha?")
    results = as_user(citizen).get(updates_url(commitment)).json()["results"]
    assert [u["text"] for u in results] == ["Primero", "Segundo"]
    [comment] = results[0]["comments"]
    assert comment["text"] == "¿Con qué fecha?"
    assert comment["author"] == {"id": secretariat.pk, "display_name": secretariat.display_name}
    anonymous = as_user(None).get(updates_url(commitment)).json()["results"]
    assert anonymous[0]["author"] is None and anonymous[0]["comments"][0]["author"] is None


def test_the_secretariat_comments_on_an_update(as_user, commitment, fge_official, secretariat):
    update = post_update(commitment, fge_official)
    response = as_user(secretariat).post(comments_url(update), {"text": "Gracias."}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["text"] == "Gracias."
    assert response.json()["author"]["id"] == secretariat.pk
    assert UpdateComment.objects.get().update == update


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": "x" * 5001}])
def test_an_empty_or_long_comment_is_a_400(as_user, commitment, fge_official, secretariat, body):
    update = post_update(commitment, fge_official)
    response = as_user(secretariat).post(comments_url(update), body, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert UpdateComment.objects.count() == 0


def test_a_comment_on_another_commitments_update_is_a_404(as_user, agreement, fge, commitment, fge_official,
                                                          secretariat):
    other = record_commitment(agreement, institution=fge)
    update = post_update(other, fge_official)
    url = f"{updates_url(commitment)}{update.pk}/comments/"
    for address in (url, f"{updates_url(commitment)}99999999999999999999/comments/"):
        response = as_user(secretariat).post(address, {"text": "Hola"}, format="json")
        assert response.status_code == 404
    assert UpdateComment.objects.count() == 0


# --- Never a 500 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("address", [f"{LIST}0/", f"{LIST}99999999999999999999/", f"{LIST}abc/",
                                     f"{LIST}99999999999999999999/updates/"])
def test_addresses_of_no_commitment_are_a_json_404(as_user, commitment, address):
    response = as_user(None).get(address)
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("body", [[], "text", {"agreement": "x"}, {"agreement": 2**40}, {"agreement": None}])
def test_a_malformed_body_to_record_is_a_400(as_user, commitment, secretariat, body):
    response = as_user(secretariat).post(LIST, body, format="json")
    assert response.status_code == 400
    assert Commitment.objects.count() == 1


# --- Query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 10])
def test_list_query_count_is_constant(as_user, table, agreement, fge, guard, fge_official, secretariat,
                                      citizen, n, django_assert_max_num_queries):
    for i in range(n):
        commitment = record_commitment(agreement, institution=fge, co_responsible=[guard],
                                       responsible_officials=[fge_official], description=f"Compromiso {i}")
        services.commitment_set_status(commitment=commitment, actor=secretariat, status="fulfilled")
        services.delivery_review(commitment=commitment, user=citizen, verdict="confirmed")
    api = as_user(citizen)
    api.get(LIST)  # warm guardian's per-process content-type cache
    # session, user, their object permissions; count, page (table, institution, agreement and session joined,
    # overdue and reviews annotated); co-responsible, responsible officials
    with django_assert_max_num_queries(8):
        response = api.get(LIST)
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 10])
def test_updates_list_query_count_is_constant(as_user, commitment, fge_official, secretariat, citizen,
                                              private_root, n, django_assert_max_num_queries):
    for i in range(n):
        update = post_update(commitment, fge_official, text=f"Avance {i}", delivered_change=1,
                             files=[jpeg(f"{i}.jpg")])
        services.update_comment(update=update, actor=secretariat, text=f"Comentario {i}")
    api = as_user(citizen)
    api.get(updates_url(commitment))  # warm guardian's per-process content-type cache
    # session, user, their object permissions; the commitment; count, page (author, institution and
    # table joined); evidence, comments (with their authors); member tables
    with django_assert_max_num_queries(9):
        response = api.get(updates_url(commitment))
    assert response.json()["count"] == n
    assert all(len(u["evidence"]) == 1 and len(u["comments"]) == 1 for u in response.json()["results"])


def test_every_commitment_endpoint_is_in_the_schema(as_user):
    schema = yaml.safe_load(as_user(None).get("/api/v1/schema/").content)
    paths = schema["paths"]
    assert set(paths[LIST]) == {"get", "post"}
    assert set(paths["/api/v1/commitments/{id}/"]) == {"get", "patch"}
    for action in ("move-due-date", "set-status", "review"):
        assert set(paths[f"/api/v1/commitments/{{id}}/{action}/"]) == {"post"}
    assert set(paths["/api/v1/commitments/{id}/updates/"]) == {"get", "post"}
    posting = paths["/api/v1/commitments/{id}/updates/"]["post"]
    assert "multipart/form-data" in posting["requestBody"]["content"]
    assert set(paths["/api/v1/commitments/{id}/updates/{update_pk}/comments/"]) == {"post"}
    assert "file" not in schema["components"]["schemas"]["UpdateEvidence"]["properties"]
