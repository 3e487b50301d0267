"""Raising a concern with evidence from the page: all or nothing, photos cleaned."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from concerns.models import Concern, Evidence, Visibility
from tests.concerns.test_evidence import _photo, _stored_files, _text, private_root  # noqa: F401

pytestmark = pytest.mark.django_db


def _create_url(table) -> str:
    return reverse("concerns:concern-create", kwargs={"table_slug": table.slug})


def _data(table, **files):
    return {"subcommittee": table.subcommittees.first().pk, "title": "Extorsión en el mercado",
            "description": "Nos cobran cuota.", "colonia": "", "colonia_other": "",
            "happened_on": "", "place": "", "visibility": Visibility.ANONYMOUS, **files}


def test_a_visitor_raises_an_anonymous_concern_with_a_photo_stripped_of_its_location(
    client, table, private_root  # noqa: F811
):
    response = client.post(_create_url(table), _data(table, evidence=[_photo()]))
    assert response.status_code == 200
    concern = Concern.objects.get()
    evidence = Evidence.objects.get(concern=concern)
    assert evidence.original_name == "" and evidence.uploaded_by_id is None
    stored = Image.open(io.BytesIO(evidence.file.read()))
    assert not stored.getexif()
    assert "juana" not in evidence.file.name


def test_a_refused_file_saves_neither_the_concern_nor_any_file(client, table, private_root):  # noqa: F811
    client.cookies["django_language"] = "en"
    response = client.post(_create_url(table), _data(table, evidence=[_photo(), _text()]))
    assert response.status_code == 200
    assert "was not accepted" in response.content.decode()
    assert not Concern.objects.exists()
    assert not Evidence.objects.exists()
    assert _stored_files(private_root) == []
