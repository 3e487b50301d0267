"""The four journeys of Mesa's people, on a phone in Spanish, with JavaScript on and off.

Each step is taken as the person would take it: by the words on the screen, with the
page's own forms. What happens between two people (an official answering the visitor)
happens in the other person's browser too.
"""

import io
import re
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from accounts import two_factor
from commitments.models import ActionUpdate, Commitment
from concerns import services as concern_services
from concerns.models import Answer, Concern, Rating, Status, Support, Visibility
from meetings.models import Agreement, Attendance, Session
from mesa.models import Role
from subcommittees.models import Subcommittee
from tests.accounts.factories import UserFactory
from tests.commitments.factories import record_agreement, record_commitment
from tests.concerns.factories import ColoniaFactory, raise_concern
from tests.mesa.factories import InstitutionFactory, TableFactory, make_member

PASSWORD = "una-clave-larga-2026"


def es(text: str) -> str:
    """What a Spanish-speaking person reads on the page for `text`."""
    with translation.override("es"):
        return translation.gettext(text)

JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def photo(name: str = "foto.jpg") -> dict:
    """A phone photo, as the file input receives it."""
    image = Image.new("RGB", (640, 480), (180, 90, 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def juarez(transactional_db):
    table = TableFactory(name="Mesa de Seguridad de Juárez", slug="juarez",
                         secretariat=UserFactory(email="secretaria@example.mx", display_name="Secretaría"))
    ColoniaFactory(table=table, name="Centro")
    return table


@pytest.fixture
def fiscalia(juarez):
    return InstitutionFactory(table=juarez, name="Fiscalía General del Estado", acronym="FGE")


def person(table, role, *, email, name, institution=None):
    user = UserFactory(email=email, display_name=name, password=PASSWORD)
    make_member(table, role, user=user, institution=institution)
    return user


def sign_in(phone, email: str):
    phone.sign_in(email, PASSWORD)


def juarez_secretariat(table):
    return table.memberships.get(role=Role.SECRETARIAT).user


def accept_and_assign(concern, institution):
    """What the secretariat does at triage (its own pages are tested in tests/concerns)."""
    secretariat = juarez_secretariat(concern.table)
    concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED, actor=secretariat)
    concern_services.concern_assign(concern=concern, institutions=[institution], actor=secretariat)


def threats_theme(table):
    """Where extortion goes: the standing subcommittee for immediate response to threats."""
    return table.subcommittees.get(standing_theme=Subcommittee.Theme.THREAT_RESPONSE)


@JAVASCRIPT
def test_an_anonymous_visitor_raises_an_extortion_concern_with_a_photo_and_reads_the_answer_by_receipt(
        phones, juarez, fiscalia, javascript):
    visitor = phones(javascript=javascript, who="visitante")
    visitor.go("/t/juarez/")
    visitor.shot("mesa")
    visitor.click_link(es("Raise a concern"))
    visitor.field(es("Theme")).select_option(label=threats_theme(juarez).name_es)
    visitor.field(es("Title")).fill("Cobro de piso a los comercios del mercado")
    visitor.field(es("What happened")).fill("Cada viernes pasan dos hombres a cobrar cuota a los locales.")
    visitor.field(es("Colonia")).select_option(label="Centro")
    visitor.field(es("Evidence")).set_input_files(photo())
    visitor.shot("formulario")
    visitor.submit(es("Raise the concern"))

    code = visitor.page.inner_text("#receipt-code").strip()
    visitor.shot("codigo-de-recibo")
    concern = Concern.objects.get()
    assert concern.visibility == Visibility.ANONYMOUS and concern.reporter_id is None
    assert concern.evidence.count() == 1

    official = person(juarez, Role.OFFICIAL, email="fiscalia@example.mx", name="Lic. Ramírez",
                      institution=fiscalia)
    accept_and_assign(concern, fiscalia)
    concern_services.answer_post(concern=concern, institution=fiscalia, author=official,
                                 text="Abrimos la carpeta de investigación 123/2026.")

    visitor.go("/receipt/")
    visitor.page.get_by_label(es("Receipt code")).fill(code.lower().replace("-", " "))
    visitor.shot("pagina-de-recibo")
    visitor.submit(es("Open my concern"))
    assert "Abrimos la carpeta de investigación 123/2026." in visitor.text()
    visitor.shot("respuesta-leida")


@pytest.fixture
def answered_concern(juarez, fiscalia):
    """A public extortion concern of a neighbour, already answered by the state attorney's office."""
    neighbour = person(juarez, Role.CITIZEN, email="vecino@example.mx", name="Vecino del Centro")
    concern = raise_concern(juarez, reporter=neighbour, subcommittee=threats_theme(juarez),
                            title="Extorsión telefónica a vecinos del Centro")
    accept_and_assign(concern, fiscalia)
    official = person(juarez, Role.OFFICIAL, email="fiscalia@example.mx", name="Lic. Ramírez",
                      institution=fiscalia)
    answer = concern_services.answer_post(concern=concern, institution=fiscalia, author=official,
                                          text="La unidad antiextorsión ya tiene los números reportados.")
    return answer


@JAVASCRIPT
def test_a_citizen_signs_up_verifies_the_email_supports_a_concern_and_rates_its_answer(
        phones, juarez, answered_concern, javascript):
    concern = answered_concern.concern
    citizen = phones(javascript=javascript, who="ciudadana")
    citizen.go("/t/juarez/")
    citizen.click_link(es("Sign up"))
    citizen.field(es("Email address")).fill("lucia@example.mx")
    citizen.field(es("Display name")).fill("Lucía")
    citizen.field(es("Password")).first.fill(PASSWORD)
    citizen.page.get_by_label(re.compile("^" + re.escape(es("Password confirmation")))).fill(PASSWORD)
    citizen.shot("registro")
    citizen.submit(es("Create my account"))
    citizen.shot("revisa-tu-correo")

    link = re.search(r"https?://\S+(/accounts/verify/\S+)", mail.outbox[-1].body).group(1)
    citizen.go(link)
    citizen.shot("correo-confirmado")
    citizen.field(es("Email address")).fill("lucia@example.mx")
    citizen.field(es("Password")).fill(PASSWORD)
    citizen.submit(es("Log in"))
    citizen.shot("mesa-para-unirse")
    citizen.submit(es("Join this table"))
    citizen.shot("integrante")

    citizen.go(f"/t/juarez/concerns/{concern.pk}/")
    citizen.submit(es("Support this concern"))
    citizen.shot("apoyo")
    assert Support.objects.filter(concern=concern, user__email="lucia@example.mx").exists()

    citizen.page.get_by_label(es("4: good")).check()
    citizen.field(es("Comment")).fill("Respondieron rápido, falta ver detenciones.")
    citizen.submit(es("Save your rating"))
    citizen.shot("calificacion")
    rating = Rating.objects.get(answer=answered_concern)
    assert (rating.score, rating.user.email) == (4, "lucia@example.mx")


@JAVASCRIPT
def test_an_official_answers_a_concern_and_posts_an_action_update_with_evidence(
        phones, juarez, fiscalia, javascript):
    official = person(juarez, Role.OFFICIAL, email="fiscalia@example.mx", name="Lic. Ramírez",
                      institution=fiscalia)
    concern = raise_concern(juarez, visibility=Visibility.ANONYMOUS, subcommittee=threats_theme(juarez),
                            title="Cobro de piso en la colonia Centro")
    accept_and_assign(concern, fiscalia)
    commitment = record_commitment(record_agreement(juarez, institutions=[fiscalia]), institution=fiscalia,
                                   description="Abrir una línea antiextorsión las 24 horas.")

    phone = phones(javascript=javascript, who="funcionaria")
    sign_in(phone, official.email)
    # An official's first sign-in: her role requires two-step verification.
    assert phone.page.url.split("?")[0].endswith(reverse("accounts:two-factor-setup"))
    phone.set_up_two_step()
    assert two_factor.has_confirmed_device(official)
    phone.go(f"/t/juarez/concerns/{concern.pk}/")
    phone.shot("planteamiento")
    phone.field(es("Official answer")).fill("Abrimos la carpeta de investigación 123/2026.")
    phone.shot("respuesta")
    phone.submit(es("Publish the answer"))
    phone.shot("respuesta-publicada")
    answer = Answer.objects.get(concern=concern)
    assert (answer.institution, answer.author) == (fiscalia, official)

    phone.go(f"/t/juarez/commitments/{commitment.pk}/")
    phone.shot("compromiso")
    phone.click_link(es("Post an action update"))
    phone.field(es("What was done")).fill("La línea 800 ya atiende las 24 horas; anexamos la foto.")
    phone.field(es("Date of the action")).fill(commitment.local_today().isoformat())
    phone.field(es("Evidence")).set_input_files(photo("centro-de-atencion.jpg"))
    phone.shot("avance")
    phone.submit(es("Post the update"))
    phone.shot("avance-publicado")
    update = ActionUpdate.objects.get(commitment=commitment)
    assert update.author == official and update.evidence.count() == 1
    assert "La línea 800 ya atiende las 24 horas" in phone.text()


@JAVASCRIPT
def test_the_secretariat_schedules_a_plenary_records_attendance_and_an_agreement_with_a_commitment(
        phones, juarez, fiscalia, javascript):
    secretariat = juarez_secretariat(juarez)
    secretariat.set_password(PASSWORD)
    secretariat.save()
    TOTPDevice.objects.create(user=secretariat, name="authenticator", confirmed=True)
    citizen = person(juarez, Role.CITIZEN, email="lucia@example.mx", name="Lucía")
    official = person(juarez, Role.OFFICIAL, email="fiscalia@example.mx", name="Lic. Ramírez",
                      institution=fiscalia)
    zone = juarez.zone
    eve = datetime(2026, 12, 3, 9, 0, tzinfo=zone)
    plenary_day = date(2026, 12, 4)

    phone = phones(javascript=javascript, who="secretaria")
    with time_machine.travel(eve, tick=True) as clock:
        sign_in(phone, secretariat.email)
        phone.go("/t/juarez/sessions/new/")
        phone.page.get_by_label(es("Plenary of the whole table")).check()
        phone.field(es("Title")).fill("Sesión plenaria de diciembre")
        phone.field(es("Date")).fill(plenary_day.isoformat())
        phone.field(es("Starts at")).fill("10:00")
        phone.field(es("Ends at")).fill("12:00")
        phone.field(es("Place")).fill("Sala de cabildo, Presidencia Municipal")
        phone.shot("programar-plenaria")
        phone.submit(es("Schedule the session"))
        phone.shot("plenaria-programada")
        session = Session.objects.get()
        assert session.subcommittee_id is None
        assert session.starts_at == datetime(2026, 12, 4, 10, 0, tzinfo=zone)

        # The day of the plenary: she signs in again during the session.
        clock.move_to(datetime(2026, 12, 4, 10, 30, tzinfo=zone))
        sign_in(phone, secretariat.email)
        phone.go(session.get_absolute_url())
        phone.click_link(es("Record attendance"))
        for name in ("Secretaría", "Lucía", "Lic. Ramírez"):
            phone.page.get_by_label(re.compile(r"^\s*" + re.escape(name) + " · ")).check()
        phone.page.get_by_label(str(fiscalia), exact=True).check()
        phone.shot("asistencia")
        phone.submit(es("Save the attendance"))
        phone.shot("asistencia-registrada")
        assert set(Attendance.objects.filter(session=session).values_list("user", flat=True)) == {
            secretariat.pk, citizen.pk, official.pk}

        phone.click_link(es("Record an agreement"))
        phone.field(es("Text of the agreement")).fill(
            "La Fiscalía abrirá una línea antiextorsión las 24 horas antes de febrero.")
        phone.page.get_by_label(re.compile(r"^\s*" + re.escape(str(fiscalia)) + " · ")).check()
        phone.shot("acuerdo")
        phone.submit(es("Record the agreement"))
        phone.shot("acuerdo-registrado")
        agreement = Agreement.objects.get(session=session)

        phone.click_link(es("Record a commitment"))
        phone.field(es("Responsible institution")).select_option(value=str(fiscalia.pk))
        phone.field(es("What was committed")).fill("Abrir una línea antiextorsión las 24 horas.")
        phone.field(es("Due date")).fill("2027-02-01")
        phone.shot("compromiso")
        phone.submit(es("Record the commitment"))
        phone.shot("compromiso-registrado")
    commitment = Commitment.objects.get(agreement=agreement)
    assert (commitment.institution, commitment.due_on) == (fiscalia, date(2027, 2, 1))
