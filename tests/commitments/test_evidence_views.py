"""Evidence of action updates through the pages: attached with the update form (checked, all or
nothing), linked from the commitment's page, and served only to whoever may see the commitment,
with headers that keep the file inert."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from commitments.models import ActionUpdate, UpdateEvidence
from tests.commitments.factories import post_update, record_agreement, record_commitment
from tests.meetings.factories import held_session

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _photo(name="IMG_juana_gps.jpg") -> SimpleUploadedFile:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 44.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _pdf(name="oficio.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _fake(name="foto.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"not a photo at all", content_type="image/jpeg")


def _update_url(commitment) -> str:
    return reverse("commitments:update-create", kwargs={"table_slug": commitment.table.slug,
                                                        "pk": commitment.pk})


def _file_url(evidence, table_slug=None) -> str:
    return reverse("commitments:evidence-file", kwargs={
        "table_slug": table_slug or evidence.update.commitment.table.slug, "pk": evidence.pk})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _english(client):
    client.cookies["django_language"] = "en"
    return client


def _post(client, commitment, files, **data):
    form = {"text": "Llegaron 40 agentes.", "action_on": commitment.local_today().isoformat(),
            "delivered_change": "40", "evidence": files}
    form.update(data)
    return client.post(_update_url(commitment), form)


@pytest.fixture
def with_evidence(commitment, fge_official):
    """The commitment with one update carrying a photo and a PDF, posted through the service."""
    update = post_update(commitment, fge_official, delivered_change=40, files=[_photo(), _pdf()])
    return update.evidence.order_by("pk")


# --- Attaching --------------------------------------------------------------------------------


def test_an_official_attaches_a_photo_and_a_pdf_and_the_page_links_to_them(client, commitment, fge_official,
                                                                           private_root):
    client.force_login(fge_official)
    response = _post(_english(client), commitment, [_photo(), _pdf()])
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    photo, pdf = update.evidence.order_by("pk")
    assert (photo.kind, pdf.kind) == ("image", "pdf")
    assert len(_stored_files(private_root)) == 2
    assert "juana" not in photo.file.name
    page = _english(client).get(commitment.get_absolute_url()).content.decode()
    assert _file_url(photo) in page and _file_url(pdf) in page
    assert "Photo attached to update #1" in page and "PDF document 2" in page
    assert "IMG_juana_gps" not in page  # the original name is never shown


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_saved(client, commitment, fge_official,
                                                                          private_root):
    client.force_login(fge_official)
    response = _post(_english(client), commitment, [_photo(), _fake("foto.jpg")])
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file “foto.jpg” was not accepted." in page
    assert not ActionUpdate.objects.exists() and not UpdateEvidence.objects.exists()
    assert _stored_files(private_root) == []
    commitment.refresh_from_db()
    assert commitment.delivered == 0


def test_too_many_files_are_refused_on_the_field(client, commitment, fge_official, private_root):
    client.force_login(fge_official)
    response = _post(_english(client), commitment, [_photo(f"f{i}.jpg") for i in range(6)])
    assert response.status_code == 200 and "Attach at most" in response.content.decode()
    assert not ActionUpdate.objects.exists() and _stored_files(private_root) == []


# --- Serving ---------------------------------------------------------------------------------


def test_a_photo_is_served_inline_under_a_neutral_name_with_inert_headers(client, with_evidence):
    photo = with_evidence[0]
    response = client.get(_file_url(photo))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("inline")
    assert f"evidence-{photo.pk}.jpg" in response["Content-Disposition"]
    assert "juana" not in response["Content-Disposition"]
    assert _body(response)[:2] == b"\xff\xd8"


def test_a_pdf_is_downloaded(client, with_evidence):
    response = client.get(_file_url(with_evidence[1]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert _body(response) == PDF


def test_evidence_of_a_closed_sessions_commitment_is_not_found_for_who_may_not_see_it(
        client, table, fge, fge_official, citizen, outsider, other_secretariat):
    agreement = record_agreement(table, institutions=[fge], session=held_session(table, is_public=False))
    commitment = record_commitment(agreement, institution=fge)
    update = post_update(commitment, fge_official, files=[_photo()])
    evidence = update.evidence.get()
    assert client.get(_file_url(evidence)).status_code == 404
    for person in (outsider, other_secretariat):
        client.force_login(person)
        assert client.get(_file_url(evidence)).status_code == 404
    client.force_login(citizen)
    assert client.get(_file_url(evidence)).status_code == 200


def test_evidence_under_another_tables_address_or_unknown_is_not_found(client, with_evidence, other_table,
                                                                       secretariat):
    client.force_login(secretariat)
    assert client.get(_file_url(with_evidence[0], table_slug=other_table.slug)).status_code == 404
    missing = reverse("commitments:evidence-file", kwargs={"table_slug": other_table.slug, "pk": 10**6})
    assert client.get(missing).status_code == 404


def test_a_file_missing_from_storage_is_not_found(client, with_evidence):
    photo = with_evidence[0]
    photo.file.storage.delete(photo.file.name)
    assert client.get(_file_url(photo)).status_code == 404


def test_evidence_is_only_read(client, with_evidence, secretariat):
    client.force_login(secretariat)
    assert client.post(_file_url(with_evidence[0])).status_code == 405


@pytest.mark.parametrize("n", [1, 4])
def test_the_commitment_page_query_count_does_not_grow_with_evidence(client, commitment, fge_official,
                                                                     citizen, n,
                                                                     django_assert_max_num_queries):
    for i in range(n):
        post_update(commitment, fge_official, text=f"Avance {i}",
                    files=[_photo(f"a{i}.jpg"), _pdf(f"b{i}.pdf")])
    client.force_login(citizen)
    # session, user, commitment, table perms, coordinated subcommittees, official memberships,
    # updates (+ evidence, comments), due-date changes, reviews, events, names, co-responsible,
    # officials
    with django_assert_max_num_queries(19):
        response = client.get(commitment.get_absolute_url())
    assert response.content.decode().count("/commitments/evidence/") >= 2 * n
