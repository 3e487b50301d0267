"""Open data: the documented CSV and JSON export of the public agreements, commitments and
action updates; never members-only records, people's names or evidence files."""

import csv
import io
import json
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from commitments import open_data_views, services
from mesa.models import Role
from tests.accounts.factories import UserFactory
from tests.commitments.factories import (
    institution,
    official_of,
    post_update,
    record_agreement,
    record_commitment,
)
from tests.meetings.factories import held_session, secretariat_of
from tests.mesa.factories import TableFactory, make_member

pytestmark = pytest.mark.django_db


def page_url(table) -> str:
    return reverse("commitments:open-data", kwargs={"table_slug": table.slug})


def file_url(table, fmt: str) -> str:
    return reverse("commitments:open-data-file", kwargs={"table_slug": table.slug, "fmt": fmt})


def english(client, user=None):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def read_csv(response) -> list[dict]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


def photo(name="IMG_2026_entrega_Juan_Perez.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 200)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def records(table, agreement, commitment, fge, guard, fge_official, guard_official):
    """The public commitment for 200 prosecutors (two updates, one with a photo), a second one of
    the National Guard, and a commitment at a members-only session that must never be exported."""
    post_update(commitment, fge_official, delivered_change=30, text="Llegaron 30 agentes.", files=[photo()])
    post_update(commitment, fge_official, delivered_change=10, text="Llegaron 10 más.")
    second = record_commitment(agreement, institution=guard, co_responsible=[fge],
                               description="=Patrullaje conjunto", due_in_days=30)
    private_agreement = record_agreement(table, institutions=[fge], text="Acuerdo reservado sobre testigos.",
                                         session=held_session(table, is_public=False))
    private = record_commitment(private_agreement, institution=fge, description="Proteger a los testigos.")
    post_update(private, fge_official, text="Avance reservado.")
    return commitment, second, private


@pytest.fixture
def guard_official(guard):
    return official_of(guard)


def test_the_json_holds_the_public_agreements_commitments_and_updates(client, table, records):
    commitment, second, private = records
    response = english(client).get(file_url(table, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert set(data) == {"table", "generated_at", "licence", "agreements", "commitments", "updates"}
    assert data["table"]["slug"] == table.slug and data["table"]["time_zone"] == "America/Ciudad_Juarez"
    assert datetime.fromisoformat(data["generated_at"]).utcoffset() is not None
    assert "Public records of the table" in data["licence"]
    assert [a["code"] for a in data["agreements"]] == [commitment.agreement.code]
    assert [c["code"] for c in data["commitments"]] == [commitment.code, second.code]
    assert [u["commitment_id"] for u in data["updates"]] == [commitment.pk, commitment.pk]

    first = data["commitments"][0]
    assert first["institution"] == "Fiscalía General del Estado"
    assert first["institution_acronym"] == "FGE" and first["government_level"] == "state"
    assert (first["unit"], first["requested"], first["committed"], first["delivered"]) == (
        "agentes del ministerio público", 200, 40, 40)
    assert first["delivered_share"] == 0.2
    assert first["status"] == "in_progress" and first["overdue"] is False and first["days_overdue"] == 0
    assert first["due_on"] == commitment.due_on.isoformat()
    assert date.fromisoformat(first["original_due_on"]) == commitment.original_due_on
    assert first["updates"] == 2 and first["deliveries_disputed"] == 0
    assert first["url"] == "http://testserver" + commitment.get_absolute_url()
    assert data["commitments"][1]["co_responsible_institutions"] == ["Fiscalía General del Estado"]
    assert data["commitments"][1]["delivered"] is None  # it counts nothing
    assert data["agreements"][0]["responsible_institutions"] == ["Fiscalía General del Estado",
                                                                 "Guardia Nacional"]
    assert data["agreements"][0]["subcommittee"] is None  # a plenary
    assert [(u["delivered_change"], u["evidence_files"]) for u in data["updates"]] == [(30, 1), (10, 0)]
    assert data["updates"][0]["institution"] == "Fiscalía General del Estado"


def test_the_files_never_hold_members_only_records_names_or_evidence(client, table, records, fge_official):
    _commitment, _second, private = records
    for fmt in ("json", "csv", "updates.csv"):
        content = english(client).get(file_url(table, fmt)).content.decode("utf-8")
        for secret in (private.code, "Proteger a los testigos", "Avance reservado", "testigos"):
            assert secret not in content, (fmt, secret)
        for name in (fge_official.display_name, secretariat_of(table).display_name):
            assert name not in content, (fmt, name)
        assert "Juan_Perez" not in content and "IMG_2026" not in content and "/private" not in content


def test_every_field_in_the_files_is_documented_on_the_page(client, table, records):
    page = english(client).get(page_url(table)).content.decode()
    data = json.loads(client.get(file_url(table, "json")).content)
    for key, documented in (("agreements", open_data_views.AGREEMENT_FIELDS),
                            ("commitments", open_data_views.COMMITMENT_FIELDS),
                            ("updates", open_data_views.UPDATE_FIELDS)):
        names = [field.name for field in documented]
        assert list(data[key][0]) == names
        for name in names:
            assert f"<code>{name}</code>" in page
    assert "These are public records of" in page
    for fmt in ("csv", "json", "updates.csv"):
        assert file_url(table, fmt) in page


def test_the_page_is_translated(client, table):
    client.cookies["django_language"] = "es"
    response = client.get(page_url(table))
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()


def test_the_commitments_csv_has_one_row_per_public_commitment(client, table, records):
    commitment, second, _private = records
    response = english(client).get(file_url(table, "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(f'attachment; filename="{table.slug}-commitments-')
    rows = read_csv(response)
    assert [row["code"] for row in rows] == [commitment.code, second.code]
    assert list(rows[0]) == [field.name for field in open_data_views.COMMITMENT_FIELDS] + [
        "agreement_session_date", "agreement_subcommittee"]
    assert (rows[0]["delivered"], rows[0]["delivered_share"], rows[0]["overdue"]) == ("40", "0.2", "false")
    assert rows[1]["co_responsible_institutions"] == "Fiscalía General del Estado"
    assert rows[1]["delivered"] == "" and rows[1]["unit"] == ""
    # Text a spreadsheet would run as a formula is defused.
    assert rows[1]["description"] == "'=Patrullaje conjunto"
    assert date.fromisoformat(rows[0]["agreement_session_date"])


def test_the_updates_csv_has_one_row_per_public_update(client, table, records):
    commitment, _second, _private = records
    rows = read_csv(english(client).get(file_url(table, "updates.csv")))
    assert [(row["commitment_code"], row["delivered_change"], row["text"]) for row in rows] == [
        (commitment.code, "30", "Llegaron 30 agentes."), (commitment.code, "10", "Llegaron 10 más.")]
    assert list(rows[0]) == [field.name for field in open_data_views.UPDATE_FIELDS]


@pytest.mark.parametrize("fmt", ["xml", "updates.json", "CSV", "csv.exe"])
def test_an_unknown_format_is_not_found(client, table, fmt):
    assert client.get(file_url(table, fmt)).status_code == 404


def test_the_files_are_open_to_anyone_even_when_the_dashboard_is_members_only(client, table, records):
    table.dashboard_is_public = False
    table.save()
    english(client)
    assert client.get(reverse("commitments:dashboard", kwargs={"table_slug": table.slug})).status_code == 404
    assert client.get(page_url(table)).status_code == 200
    assert len(json.loads(client.get(file_url(table, "json")).content)["commitments"]) == 2


def test_a_private_table_has_no_open_data_for_outsiders_and_empty_files_for_members(client, outsider):
    private = TableFactory(is_public=False, secretariat=UserFactory())
    member = make_member(private, Role.CITIZEN).user
    agreement = record_agreement(private)
    record_commitment(agreement, institution=private.institutions.create(name="FGE", level="state"))
    for person in (None, outsider):
        english(client, person)
        assert client.get(page_url(private)).status_code == 404
        assert client.get(file_url(private, "json")).status_code == 404
    english(client, member)
    assert "the files below are empty" in client.get(page_url(private)).content.decode()
    response = client.get(file_url(private, "json"))
    data = json.loads(response.content)
    assert data["agreements"] == data["commitments"] == data["updates"] == []
    assert "Access-Control-Allow-Origin" not in response


def test_a_withdrawn_agreement_stays_in_the_open_data_with_its_reason(client, table, agreement):
    from meetings import services as meeting_services

    meeting_services.agreement_withdraw(agreement=agreement, actor=secretariat_of(table),
                                        reason="Duplicado del acuerdo 2.")
    data = json.loads(english(client).get(file_url(table, "json")).content)
    withdrawn = data["agreements"][0]
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawal_reason"] == "Duplicado del acuerdo 2."
    assert datetime.fromisoformat(withdrawn["withdrawn_at"]).utcoffset() is not None


@pytest.mark.parametrize("fmt", ["json", "csv", "updates.csv"])
def test_the_query_count_does_not_grow_with_the_number_of_records(client, fmt):
    counts = []
    for size in (1, 10):
        table = TableFactory(secretariat=UserFactory())
        fge = institution(table, "Fiscalía General del Estado", "state", "FGE")
        guard = institution(table, "Guardia Nacional", "federal", "GN")
        official, reviewer = official_of(fge), make_member(table, Role.CITIZEN).user
        for _ in range(size):
            agreement = record_agreement(table, institutions=[fge, guard])
            commitment = record_commitment(agreement, institution=fge, co_responsible=[guard], unit="agentes",
                                           requested=10, due_in_days=0)
            post_update(commitment, official, delivered_change=1, files=[photo()])
            services.delivery_review(commitment=commitment, user=reviewer, verdict="disputed", comment="No.")
        english(client)
        with CaptureQueriesContext(connection) as context:
            assert client.get(file_url(table, fmt)).status_code == 200
        counts.append(len(context.captured_queries))
    assert counts[0] == counts[1]
    # The table; agreements and their institutions; commitments and their co-responsible
    # institutions; updates (what a file does not need is not read: at most these five).
    assert counts[0] <= 6
