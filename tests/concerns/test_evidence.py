"""Evidence: stored cleaned and privately, all or nothing, opened only by those who may read the concern."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from PIL import Image

from concerns.evidence import evidence_attach, evidence_context, evidence_hide, evidence_unhide
from concerns.models import Evidence, Visibility
from concerns.permissions import get_concern_for_user
from subcommittees.services import subcommittee_set_coordinators
from tests.accounts.factories import UserFactory
from tests.concerns.factories import raise_concern
from tests.mesa.factories import make_member

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MESA_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _photo(name="IMG_20240101_juana.jpg") -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 44.0, 0.0)
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 10, 10)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _pdf(name="denuncia.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _text(name="notas.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"not a photo at all", content_type="image/jpeg")


def _url(concern, evidence) -> str:
    return reverse("concerns:evidence-file", kwargs={
        "table_slug": concern.table.slug, "pk": concern.pk, "evidence_pk": evidence.pk})


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- evidence_attach ------------------------------------------------------------------


def test_evidence_attach_stores_a_cleaned_photo_under_a_random_name(table, citizen, private_root):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)

    [evidence] = evidence_attach(concern=concern, files=[_photo()], uploader=citizen)

    evidence.refresh_from_db()
    assert (evidence.kind, evidence.content_type) == ("image", "image/jpeg")
    assert evidence.uploaded_by == citizen
    assert evidence.original_name == "IMG_20240101_juana.jpg"
    assert "juana" not in evidence.file.name and "IMG" not in evidence.file.name
    assert evidence.file.name.endswith(".jpg")
    [path] = _stored_files(private_root)
    assert path.name == evidence.file.name.rsplit("/", 1)[-1]
    assert evidence.size == path.stat().st_size
    with Image.open(path) as stored:
        assert not stored.getexif()
        assert stored.size == (20, 40)  # turned upright


def test_evidence_attach_saves_nothing_when_one_of_two_files_is_bad(table, citizen, private_root):
    concern = raise_concern(table, reporter=citizen)

    with pytest.raises(ValidationError) as excinfo:
        evidence_attach(concern=concern, files=[_photo("bueno.jpg"), _text("notas.jpg")],
                        uploader=citizen)

    assert excinfo.value.message_dict["evidence"] == [
        "The file “notas.jpg” was not accepted. This file type is not accepted: send a photo "
        "(JPEG, PNG, WebP), a PDF or an audio recording."
    ]
    assert not Evidence.objects.exists()
    assert _stored_files(private_root) == []


def test_evidence_attach_names_every_refused_file(table, citizen):
    concern = raise_concern(table, reporter=citizen)

    with pytest.raises(ValidationError) as excinfo:
        evidence_attach(concern=concern, files=[_text("uno.jpg"), _pdf(), _text("dos.png")],
                        uploader=citizen)

    errors = excinfo.value.message_dict["evidence"]
    assert len(errors) == 2 and "“uno.jpg”" in errors[0] and "“dos.png”" in errors[1]


def test_an_anonymous_concerns_evidence_keeps_no_original_name_and_no_uploader(table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.ANONYMOUS)

    saved = evidence_attach(concern=concern, files=[_photo(), _pdf("Juana Pérez denuncia.pdf")],
                            uploader=citizen)

    assert len(saved) == 2
    for evidence in Evidence.objects.filter(concern=concern):
        assert evidence.original_name == ""
        assert evidence.uploaded_by_id is None
        assert "juana" not in evidence.file.name.lower()


def test_a_concern_takes_at_most_five_files(table, citizen, private_root):
    concern = raise_concern(table, reporter=citizen)
    evidence_attach(concern=concern, files=[_pdf() for _ in range(3)], uploader=citizen)

    with pytest.raises(ValidationError) as excinfo:
        evidence_attach(concern=concern, files=[_pdf() for _ in range(3)], uploader=citizen)

    assert excinfo.value.message_dict["evidence"] == ["A concern can have at most 5 files."]
    assert concern.evidence.count() == 3
    assert len(_stored_files(private_root)) == 3


def test_no_files_is_nothing_to_do(table, citizen):
    concern = raise_concern(table, reporter=citizen)
    assert evidence_attach(concern=concern, files=[], uploader=citizen) == []


def test_files_written_before_a_failed_save_are_removed(table, citizen, private_root):
    concern = raise_concern(table, reporter=citizen)
    unsaved_user = UserFactory.build()  # saving a row that points to it fails

    with pytest.raises(ValueError):
        evidence_attach(concern=concern, files=[_pdf(), _pdf()], uploader=unsaved_user)

    assert not Evidence.objects.exists()
    assert _stored_files(private_root) == []


# --- The file view -----------------------------------------------------------------------


@pytest.fixture
def restricted_photo(table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    [evidence] = evidence_attach(concern=concern, files=[_photo()], uploader=citizen)
    return concern, evidence


def test_a_member_gets_the_file_with_protective_headers(client, table, restricted_photo):
    concern, evidence = restricted_photo
    client.force_login(make_member(table).user)

    response = client.get(_url(concern, evidence))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == f'inline; filename="evidence-{evidence.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    body = _body(response)
    assert body == evidence.file.open("rb").read()
    assert "IMG_20240101" not in response["Content-Disposition"]


def test_a_pdf_is_downloaded_rather_than_shown_in_our_origin(client, table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    [evidence] = evidence_attach(concern=concern, files=[_pdf()], uploader=citizen)
    client.force_login(citizen)

    response = client.get(_url(concern, evidence))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="evidence-{evidence.pk}.pdf"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert _body(response) == PDF


def test_an_anonymous_visitor_gets_404_for_a_restricted_concerns_evidence(client, restricted_photo):
    concern, evidence = restricted_photo
    response = client.get(_url(concern, evidence))
    assert response.status_code == 404
    assert not getattr(response, "streaming", False)


@pytest.mark.parametrize("visibility", [Visibility.RESTRICTED, Visibility.ANONYMOUS])
@pytest.mark.parametrize("viewer", ["visitor", "outsider", "other_secretariat"])
def test_people_who_may_not_read_the_concern_get_404_for_its_evidence(
    client, request, table, citizen, visibility, viewer
):
    reporter = None if visibility == Visibility.ANONYMOUS else citizen
    concern = raise_concern(table, reporter=reporter, visibility=visibility)
    [evidence] = evidence_attach(concern=concern, files=[_pdf()], uploader=reporter)
    if viewer != "visitor":
        client.force_login(request.getfixturevalue(viewer))

    assert client.get(_url(concern, evidence)).status_code == 404


def test_anyone_may_open_the_evidence_of_a_public_concern_at_a_public_table(client, table, citizen):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.PUBLIC)
    [evidence] = evidence_attach(concern=concern, files=[_pdf()], uploader=citizen)

    response = client.get(_url(concern, evidence))

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_evidence_of_another_concern_under_this_concerns_url_is_404(client, table, citizen,
                                                                     restricted_photo):
    concern, evidence = restricted_photo
    readable = raise_concern(table, reporter=citizen, visibility=Visibility.PUBLIC)
    client.force_login(citizen)

    assert client.get(_url(readable, evidence)).status_code == 404
    assert client.get(_url(concern, evidence)).status_code == 200


def test_a_concern_under_another_tables_url_is_404(client, table, other_table, restricted_photo,
                                                    secretariat):
    concern, evidence = restricted_photo
    client.force_login(secretariat)
    url = reverse("concerns:evidence-file", kwargs={
        "table_slug": other_table.slug, "pk": concern.pk, "evidence_pk": evidence.pk})
    assert client.get(url).status_code == 404


def test_the_file_view_only_reads(client, table, citizen, restricted_photo):
    concern, evidence = restricted_photo
    client.force_login(citizen)
    assert client.post(_url(concern, evidence)).status_code == 405
    assert client.head(_url(concern, evidence)).status_code == 200


def test_a_file_missing_from_disk_is_404_not_500(client, table, citizen, restricted_photo):
    concern, evidence = restricted_photo
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(citizen)
    assert client.get(_url(concern, evidence)).status_code == 404


def test_evidence_files_are_not_reachable_under_media_url(client, settings, table, citizen,
                                                          restricted_photo, private_root):
    concern, evidence = restricted_photo
    client.force_login(citizen)
    media_root = settings.MEDIA_ROOT

    for path in (f"{settings.MEDIA_URL}{evidence.file.name}",
                 f"{settings.MEDIA_URL}private/{evidence.file.name}",
                 f"/private/{evidence.file.name}"):
        with pytest.raises(Resolver404):
            resolve(path)
        assert client.get(path).status_code == 404
    stored = private_root / evidence.file.name
    assert stored.exists() and not stored.is_relative_to(media_root)
    with pytest.raises(ValueError, match="no URL"):
        evidence.file.url  # noqa: B018 - the property itself must refuse


# --- Hidden evidence and evidence_context ------------------------------------------


def test_hidden_evidence_is_404_for_members_but_open_to_coordinators_secretariat_and_reporter(
    client, table, citizen, secretariat, coordinator, restricted_photo
):
    concern, evidence = restricted_photo
    subcommittee_set_coordinators(subcommittee=concern.subcommittee, users=[coordinator])
    evidence_hide(evidence=evidence, reason="Muestra a una persona herida")
    member = make_member(table).user

    client.force_login(member)
    assert client.get(_url(concern, evidence)).status_code == 404
    assert evidence_context(member, concern) == {"evidence": []}
    for person in (secretariat, coordinator, citizen):
        client.force_login(person)
        assert client.get(_url(concern, evidence)).status_code == 200
        assert evidence_context(person, concern)["evidence"] == [evidence]

    evidence_unhide(evidence=evidence)
    client.force_login(member)
    assert client.get(_url(concern, evidence)).status_code == 200


def test_hiding_evidence_needs_a_reason(restricted_photo):
    _concern, evidence = restricted_photo
    with pytest.raises(ValidationError):
        evidence_hide(evidence=evidence, reason="  ")
    evidence.refresh_from_db()
    assert not evidence.is_hidden


def test_evidence_context_is_empty_for_people_who_may_not_read_the_concern(
    table, outsider, restricted_photo
):
    from django.contrib.auth.models import AnonymousUser

    concern, _evidence = restricted_photo
    assert evidence_context(AnonymousUser(), concern) == {"evidence": []}
    assert evidence_context(outsider, concern) == {"evidence": []}
    assert evidence_context(make_member(table).user, concern)["evidence"] == [_evidence]


@pytest.mark.parametrize("n", [1, 5])
def test_evidence_context_query_count_is_constant(table, citizen, n, django_assert_max_num_queries):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    evidence_attach(concern=concern, files=[_pdf() for _ in range(n)], uploader=citizen)
    member = make_member(table).user
    concern = get_concern_for_user(member, table.slug, concern.pk)  # as the page loads it
    # can_view (1), the evidence (1); permissions for hidden files are asked only
    # when one is hidden; links are built from the concern already loaded.
    with django_assert_max_num_queries(2):
        context = evidence_context(member, concern)
        html = render_to_string("concerns/includes/evidence_list.html", context)
    assert html.count("/evidence/") == n


# --- The list template --------------------------------------------------------------


def test_the_evidence_list_links_only_to_the_checked_view_and_never_shows_file_names(
    table, citizen
):
    concern = raise_concern(table, reporter=citizen, visibility=Visibility.RESTRICTED)
    photo, pdf = evidence_attach(concern=concern, files=[_photo(), _pdf("Juana denuncia.pdf")],
                                 uploader=citizen)

    with translation.override("en"):
        html = render_to_string("concerns/includes/evidence_list.html",
                                evidence_context(citizen, concern))

    assert f'<img src="{_url(concern, photo)}" alt="Photo attached to the concern"' in html
    assert f'href="{_url(concern, pdf)}"' in html
    assert "Photo 1" in html and "PDF document 2" in html
    assert "/media/" not in html
    assert "IMG_20240101" not in html and "Juana" not in html
    assert '<h2 id="evidence-heading">Evidence</h2>' in html


def test_the_evidence_list_renders_nothing_without_evidence():
    assert render_to_string("concerns/includes/evidence_list.html", {}).strip() == ""
    assert render_to_string("concerns/includes/evidence_list.html", {"evidence": []}).strip() == ""


def test_the_evidence_list_offers_a_player_for_audio_and_renders_in_spanish(table, citizen):
    concern = raise_concern(table, reporter=citizen)
    [audio] = evidence_attach(
        concern=concern, uploader=citizen,
        files=[SimpleUploadedFile("nota.ogg", b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead"
                                  + b"\x00" * 32)],
    )

    with translation.override("es"):
        html = render_to_string("concerns/includes/evidence_list.html",
                                evidence_context(citizen, concern))

    assert f'<audio controls preload="none" src="{_url(concern, audio)}">' in html
    assert "<h2" in html
