"""The receipt holder opens the evidence of their anonymous concern; the code stays out of addresses."""

import pytest
from django.urls import reverse

from concerns.evidence import evidence_attach
from concerns.models import Visibility
from tests.concerns.factories import raise_concern, raise_concern_with_code
from tests.concerns.test_evidence import _photo, private_root  # noqa: F401

pytestmark = pytest.mark.django_db
URL = reverse("receipt:follow-up")


@pytest.fixture
def with_photo(table, private_root):  # noqa: F811
    concern, code = raise_concern_with_code(table, visibility=Visibility.ANONYMOUS)
    evidence_attach(concern=concern, files=[_photo()], uploader=None)
    return concern, code, concern.evidence.get()


def test_the_receipt_holder_opens_their_evidence_through_a_post(client, with_photo):
    concern, code, evidence = with_photo
    page = client.post(URL, {"code": code, "action": "view"}).content.decode()
    assert f'name="evidence" value="{evidence.pk}"' in page
    assert code not in "".join(line for line in page.splitlines() if "href=" in line)
    response = client.post(URL, {"code": code, "action": "evidence", "evidence": evidence.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


@pytest.mark.parametrize("evidence_id", ["", "abc", "99999999999999999999999", "-1"])
def test_a_bad_evidence_id_is_a_404_never_a_500(client, with_photo, evidence_id):
    _concern, code, _evidence = with_photo
    response = client.post(URL, {"code": code, "action": "evidence", "evidence": evidence_id})
    assert response.status_code == 404


def test_a_receipt_opens_no_file_of_another_concern(client, table, with_photo, citizen):
    _concern, code, _evidence = with_photo
    other = raise_concern(table, reporter=citizen)
    evidence_attach(concern=other, files=[_photo()], uploader=citizen)
    response = client.post(URL, {"code": code, "action": "evidence",
                                 "evidence": other.evidence.get().pk})
    assert response.status_code == 404


def test_a_wrong_code_opens_no_file(client, with_photo):
    _concern, _code, evidence = with_photo
    response = client.post(URL, {"code": "AAAA-BBBB-CCCC-DDDD-EEEE", "action": "evidence",
                                 "evidence": evidence.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
