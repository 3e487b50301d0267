"""Load the Ciudad Juárez demo table. Safe to run again: it creates nothing twice."""

import io
from datetime import date, time, timedelta
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import User
from mesa import services
from mesa.models import GovernmentLevel, Institution, Membership, Organisation, OrganisationKind, Role, Table
from mesa.timezones import combine_in_zone
from subcommittees.models import Subcommittee
from subcommittees.services import subcommittee_set_coordinators

PENDING_OFFICIAL = "funcionario.pendiente@demo.mesa.mx"
DEMO_PASSWORD = "mesa-demo-2026"  # noqa: S105 - demo data, refused outside DEBUG

INSTITUTIONS = [
    ("Fiscalía General de la República", "FGR", GovernmentLevel.FEDERAL),
    ("Guardia Nacional", "GN", GovernmentLevel.FEDERAL),
    ("Fiscalía General del Estado de Chihuahua", "FGE", GovernmentLevel.STATE),
    ("Secretaría de Seguridad Pública del Estado", "SSPE", GovernmentLevel.STATE),
    ("Secretaría de Seguridad Pública Municipal de Juárez", "SSPM", GovernmentLevel.MUNICIPAL),
    ("Dirección de Derechos Humanos del Municipio", "DDHM", GovernmentLevel.MUNICIPAL),
]
ORGANISATIONS = [
    ("Plan Estratégico de Juárez", OrganisationKind.CIVIL_SOCIETY),
    ("Centro de Derechos Humanos Paso del Norte", OrganisationKind.CIVIL_SOCIETY),
    ("Observatorio Ciudadano de Juárez", OrganisationKind.CIVIL_SOCIETY),
    ("Cámara Nacional de Comercio de Ciudad Juárez", OrganisationKind.BUSINESS),
    ("Consejo Coordinador Empresarial de Juárez", OrganisationKind.BUSINESS),
]
COLONIAS = [
    "Centro", "Anapra", "Riberas del Bravo", "Parajes del Sur", "Felipe Ángeles",
    "Toribio Ortega", "División del Norte", "Salvárcar", "Infonavit Casas Grandes",
]
# email, display name, role, institution acronym / organisation name
PEOPLE = [
    ("secretaria@demo.mesa.mx", "Laura Secretaría", Role.SECRETARIAT, None),
    ("coordinador@demo.mesa.mx", "Jorge Coordinador", Role.COORDINATOR, None),
    ("indicadores@demo.mesa.mx", "Coordinación de indicadores", Role.COORDINATOR, None),
    ("funcionaria@demo.mesa.mx", "Ana Fiscalía", Role.OFFICIAL, "FGE"),
    ("funcionario.pendiente@demo.mesa.mx", "Pedro Policía (por verificar)", Role.OFFICIAL, "SSPM"),
    ("organizacion@demo.mesa.mx", "Rosa Plan Estratégico", Role.REPRESENTATIVE, "Plan Estratégico de Juárez"),
    ("ciudadana@demo.mesa.mx", "María Ciudadana", Role.CITIZEN, None),
]

EXTORTION_CONCERN = "Denuncias de extorsión sin seguimiento en la Fiscalía"
JUSTICE_WAIT_CONCERN = "Horas de espera para denunciar en la agencia del ministerio público"

# Sessions of the demo (found again by their titles, so a second run adds nothing).
PAST_PLENARY = "Sesión plenaria: extorsión al comercio y robos en Parajes del Sur"
NEXT_PLENARY = "Sesión plenaria ordinaria: propuestas de acceso a la justicia"
JUSTICE_SESSION = "Subcomisión de acceso a la justicia: seguimiento de denuncias por extorsión"
PROSECUTORS_PROPOSAL = "200 agentes del ministerio público"
# Proposals submitted to next month's plenary, ready for its agenda:
# title, request, concern, quantity, unit.
NEXT_PROPOSALS = [
    ("Unidad especializada contra la extorsión con atención las 24 horas",
     "Que la Fiscalía General del Estado cree una unidad especializada contra la extorsión, con una "
     "línea de denuncia abierta las 24 horas y respuesta a cada denuncia en un plazo de 15 días.",
     EXTORTION_CONCERN, None, ""),
    ("Turno nocturno en la agencia del ministerio público del Centro",
     "Que la agencia del ministerio público del Centro atienda también de 20:00 a 8:00, para que "
     "nadie espere más de una hora para presentar una denuncia.",
     JUSTICE_WAIT_CONCERN, 6, "agentes del ministerio público en turno nocturno"),
]
PAST_MINUTES = """Minuta de la sesión plenaria

Asistieron la secretaría técnica, la coordinación de la subcomisión de acceso a la justicia, \
representantes de la sociedad civil y de la ciudadanía, y la Fiscalía General de la República, \
la Guardia Nacional, la Fiscalía General del Estado y la Secretaría de Seguridad Pública Municipal.

1. La subcomisión de acceso a la justicia presentó su propuesta: no pedimos 5,000 policías más, \
sino 200 agentes del ministerio público que investiguen las denuncias por extorsión. La Fiscalía \
General del Estado expuso el rezago de carpetas de investigación y aceptó la propuesta.
2. Se revisaron los robos con violencia en la parada de camiones de Parajes del Sur. La policía \
municipal y la estatal se comprometieron a reforzar el patrullaje nocturno.
3. Se tomaron los acuerdos %(code)s/1 y %(code)s/2, que constan en el registro de acuerdos.
"""

# Commitments of the demo, found again by their agreement and institution (a second run adds
# nothing): the state attorney's office (FGE) on the prosecutors, with two action updates; the
# municipal police on the night patrols, overdue and disputed; the federal attorney's office
# (FGR), fulfilled. Days are counted from the day of the plenary.
PROSECUTORS_UNIT = "agentes del ministerio público"
FGE_COMMITMENT = (
    "Asignar agentes del ministerio público a la investigación de denuncias por extorsión en "
    "Ciudad Juárez. La mesa pidió 200; la Fiscalía General del Estado se compromete a 40 en los "
    "próximos dos meses y a informar de los demás en cada sesión plenaria."
)
FGE_DUE_DAYS = 60
# days after the plenary, delivered, text, with the photo
FGE_UPDATES = [
    (10, 25, "Tomaron protesta 25 agentes del ministerio público asignados a la Unidad de "
             "Investigación de Extorsión en Ciudad Juárez. Ya atienden las denuncias del Centro.", True),
    (24, 15, "Se incorporaron 15 agentes más, egresados de la academia estatal: suman los 40 "
             "comprometidos para este periodo.", False),
]
FGE_UPDATE_COMMENT = ("Gracias. Para la próxima sesión plenaria pedimos cuántas denuncias por extorsión "
                      "atiende ya cada agencia.")
FGR_COMMITMENT = (
    "Designar un enlace permanente ante la mesa y atraer las carpetas de investigación por extorsión "
    "que correspondan al fuero federal."
)
FGR_DUE_DAYS = 30
FGR_FULFILLED = ("La FGR designó a su enlace, que ya asistió a la subcomisión de acceso a la justicia, y "
                 "atrajo las carpetas del fuero federal.")
FGR_CONFIRMATION = "Confirmamos: el enlace de la FGR ya atiende los casos que le turnamos."
PATROL_COMMITMENT = (
    "Dos patrullas en la parada de camiones de Parajes del Sur de 20:00 a 24:00, todos los días, con "
    "el apoyo de la Secretaría de Seguridad Pública del Estado."
)
PATROL_UNIT = "patrullas"
PATROL_DUE_DAYS, PATROL_MOVED_DUE_DAYS = 7, 14
PATROL_MOVE_REASON = ("La Secretaría de Seguridad Pública Municipal pidió una semana más para reasignar "
                      "las patrullas del turno nocturno.")
PATROL_DISPUTE = "Seguimos sin ver patrullas en la parada por las noches."

# Performance indicators (issue 8). The coordinator of the performance-indicators subcommittee
# sets baselines and targets and has entered twelve months of homicides and of the justice
# chain; a year of extortion figures is left for the demo itself: they come in the spreadsheet
# below (made by scripts/make_demo_spreadsheet.py), which the coordinator imports.
INDICATORS_COORDINATOR = "indicadores@demo.mesa.mx"
EXTORTION_SPREADSHEET = "demo/extorsion-ciudad-juarez.xlsx"
EXTORTION_YEAR = 2025  # the spreadsheet's year (scripts/make_demo_spreadsheet.py YEAR)
INDICATOR_SOURCE = "Fiscalía General del Estado de Chihuahua"
TARGET_NOTE = "Meta acordada por la subcomisión de indicadores de desempeño."
# code: baseline (the monthly average of the year before), target by the end of next year,
# methodology; and, except for extortion, the figures of the last twelve full months, oldest first.
# Lower is better for homicides and extortion (a 20% reduction); higher for the justice chain,
# where the cases lost between prosecutors and charges are the reason to ask for prosecutors.
DEMO_INDICATORS = {
    "extortion": (58, 46.4, "Carpetas de investigación por extorsión iniciadas cada mes en Ciudad Juárez. "
                  "Línea base: promedio mensual de %(year)s.", None),
    "homicides": (96, 76.8, "Víctimas de homicidio doloso registradas cada mes en Ciudad Juárez. "
                  "Línea base: promedio mensual de los doce meses anteriores.",
                  [98, 92, 95, 88, 90, 86, 91, 84, 87, 82, 85, 80]),
    "arrests": (420, 450, "Personas detenidas y presentadas cada mes.",
                [412, 425, 431, 418, 440, 436, 428, 445, 439, 450, 447, 452]),
    "cases-handed-to-prosecutors": (290, 360, "Casos puestos a disposición del ministerio público cada mes.",
                                    [296, 301, 305, 298, 312, 309, 306, 318, 315, 322, 320, 326]),
    "charges-brought": (110, 180, "Vinculaciones a proceso dictadas cada mes.",
                        [108, 112, 115, 110, 118, 121, 117, 124, 126, 129, 131, 134]),
    "convictions": (20, 40, "Sentencias condenatorias dictadas cada mes.",
                    [19, 22, 21, 23, 24, 22, 25, 26, 25, 27, 28, 29]),
}


class Command(BaseCommand):
    help = "Create the Ciudad Juárez demo table with one login per role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true",
                            help="Create demo logins even with DEBUG off (never on a real site).")

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("seed_demo creates logins with a known password; "
                               "it runs only with DJANGO_DEBUG=1 (or --allow-production).")
        with transaction.atomic():
            created = self._seed()
        self.stdout.write(self.style.SUCCESS(
            f"Demo table ready ({created} new records)." if created else "Demo table already loaded."
        ))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role, _affiliation in PEOPLE:
            label = str(Role(role).label)
            if email == PENDING_OFFICIAL:
                label = gettext("%(role)s, not yet verified") % {"role": label}
            self.stdout.write(f"  {label:<40} {email}")
        table = Table.objects.filter(slug="juarez").first()
        if table is not None:
            self._print_commitments(table)
            self._print_indicators(table)

    def _print_commitments(self, table: Table) -> None:
        from commitments.models import Commitment

        commitments = list(Commitment.objects.filter(table=table).select_related("table", "institution")
                           .order_by("code"))
        if not commitments:
            return
        self.stdout.write(gettext("Demo commitments (code, institution, due date, status, delivered):"))
        for commitment in commitments:
            status = commitment.get_status_display()
            if commitment.is_overdue():
                days = commitment.days_overdue()
                status = ngettext("%(status)s, %(days)s day overdue", "%(status)s, %(days)s days overdue",
                                  days) % {"status": status, "days": days}
            delivered = ""
            if commitment.has_quantity:
                target = commitment.requested or commitment.committed
                delivered = f"{commitment.delivered} / {target} {commitment.unit}"
            self.stdout.write(f"  {commitment.code:<16} {commitment.institution.acronym:<5} "
                              f"{commitment.due_on.isoformat()}  {status:<28} {delivered}".rstrip())

    def _print_indicators(self, table: Table) -> None:
        from indicators.models import Indicator

        extortion = Indicator.objects.filter(table=table, code="extortion").first()
        if extortion is None:
            return
        self.stdout.write(gettext("Demo indicators: twelve months of homicides and of the justice chain, "
                                  "with baselines and targets."))
        figures = extortion.observations.count()
        if figures:
            self.stdout.write("  " + ngettext("Extortion: %(count)s month of figures, imported.",
                                              "Extortion: %(count)s months of figures, imported.",
                                              figures) % {"count": figures})
        else:
            self.stdout.write("  " + gettext(
                "Extortion: a baseline and a target, no figures yet. Log in as %(email)s and import "
                "%(file)s at /t/%(slug)s/indicators/import/.")
                % {"email": INDICATORS_COORDINATOR, "file": EXTORTION_SPREADSHEET, "slug": table.slug})

    def _seed(self) -> int:
        created = 0
        people = {}
        for email, name, _role, _affiliation in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name,
                                                email_verified_at=timezone.now())
                created += 1
            people[email] = user

        table = Table.objects.filter(slug="juarez").first()
        if table is None:
            table = services.table_create(
                name="Mesa de Seguridad y Justicia de Ciudad Juárez",
                slug="juarez",
                city="Ciudad Juárez",
                state="Chihuahua",
                time_zone="America/Ciudad_Juarez",
                default_language="es",
                is_public=True,
                description=(
                    "Ciudadanía, organizaciones de la sociedad civil, cámaras empresariales y "
                    "autoridades de los tres órdenes de gobierno trabajando juntas, desde 2010, "
                    "por la seguridad y la justicia en Ciudad Juárez."
                ),
                secretariat=people["secretaria@demo.mesa.mx"],
            )
            created += 1
        for name, acronym, level in INSTITUTIONS:
            _, new = Institution.objects.get_or_create(
                table=table, name=name, defaults={"acronym": acronym, "level": level})
            created += new
        for name, kind in ORGANISATIONS:
            _, new = Organisation.objects.get_or_create(table=table, name=name, defaults={"kind": kind})
            created += new

        secretariat = people["secretaria@demo.mesa.mx"]
        for email, _name, role, affiliation in PEOPLE:
            user = people[email]
            if Membership.objects.filter(table=table, user=user).exists():
                continue
            institution = organisation = None
            if role == Role.OFFICIAL:
                institution = Institution.objects.get(table=table, acronym=affiliation)
            if role == Role.REPRESENTATIVE:
                organisation = Organisation.objects.get(table=table, name=affiliation)
            claim = role if role in services.SELF_CLAIMABLE_ROLES else Role.CITIZEN
            membership = services.membership_join(
                table=table, user=user, role=claim, institution=institution, organisation=organisation)
            if role not in services.SELF_CLAIMABLE_ROLES:
                services.membership_change_role(membership=membership, role=role, actor=secretariat)
            elif role in (Role.REPRESENTATIVE,) or email == "funcionaria@demo.mesa.mx":
                services.membership_verify(membership=membership, actor=secretariat)
            created += 1

        created += self._seed_concerns(table, people)

        coordinator = people["coordinador@demo.mesa.mx"]
        justice = Subcommittee.objects.get(table=table, standing_theme=Subcommittee.Theme.ACCESS_TO_JUSTICE)
        if not justice.coordinators.filter(pk=coordinator.pk).exists():
            subcommittee_set_coordinators(subcommittee=justice, users=[coordinator])
            created += 1

        created += self._seed_sessions(table, people)
        created += self._seed_commitments(table, people)
        created += self._seed_indicators(table, people)
        return created

    def _seed_concerns(self, table: Table, people: dict) -> int:
        from concerns import services as concern_services
        from concerns.models import Colonia, Concern, Status, Visibility

        created = 0
        for name in COLONIAS:
            _, new = Colonia.objects.get_or_create(table=table, name=name)
            created += new
        citizen = people["ciudadana@demo.mesa.mx"]
        secretariat = people["secretaria@demo.mesa.mx"]
        justice = Subcommittee.objects.get(table=table, standing_theme=Subcommittee.Theme.ACCESS_TO_JUSTICE)
        theft = Subcommittee.objects.get(table=table, standing_theme=Subcommittee.Theme.VIOLENT_THEFT)
        demo = [
            (justice, EXTORTION_CONCERN,
             "Comerciantes del Centro presentamos denuncias por cobro de piso hace meses y nadie "
             "nos ha llamado. Pedimos más agentes del ministerio público.", "Centro",
             Visibility.PUBLIC),
            (justice, JUSTICE_WAIT_CONCERN,
             "Quien va a denunciar un robo o una amenaza espera cuatro o cinco horas, y de noche la "
             "agencia del Centro no atiende. Mucha gente se va sin denunciar.", "Centro",
             Visibility.PUBLIC),
            (theft, "Robos con violencia en la parada de camiones de Parajes del Sur",
             "Por las noches asaltan a quienes regresan de la maquila. Falta alumbrado y patrullaje.",
             "Parajes del Sur", Visibility.RESTRICTED),
        ]
        for subcommittee, title, description, colonia, visibility in demo:
            if Concern.objects.filter(table=table, title=title).exists():
                continue
            concern, _code = concern_services.concern_raise(
                table=table, subcommittee=subcommittee, title=title, description=description,
                visibility=visibility, reporter=citizen,
                colonia=Colonia.objects.get(table=table, name=colonia),
            )
            concern_services.concern_set_status(concern=concern, status=Status.ACCEPTED,
                                                actor=secretariat)
            created += 1
        return created

    def _seed_sessions(self, table: Table, people: dict) -> int:
        """A plenary already held (attendance, approved minutes, two agreements), next month's
        plenary with two proposals waiting for its agenda, and an upcoming subcommittee session."""
        from concerns.models import Concern
        from meetings import services as meeting_services
        from meetings.models import Proposal, ProposalStatus, Session

        created = 0
        secretariat = people["secretaria@demo.mesa.mx"]
        coordinator = people["coordinador@demo.mesa.mx"]
        justice = Subcommittee.objects.get(table=table, standing_theme=Subcommittee.Theme.ACCESS_TO_JUSTICE)
        institutions = {i.acronym: i for i in Institution.objects.filter(table=table)}
        extortion = Concern.objects.get(table=table, title=EXTORTION_CONCERN)
        today = timezone.localdate(timezone=table.zone)

        def at(day, hour: int, minute: int = 0):
            return combine_in_zone(day, time(hour, minute), table.zone)

        if not Session.objects.filter(table=table, title=PAST_PLENARY).exists():
            proposal = meeting_services.proposal_create(
                subcommittee=justice, actor=coordinator, title=PROSECUTORS_PROPOSAL,
                request="Pedimos 200 agentes del ministerio público para investigar las denuncias por "
                        "extorsión, no 5,000 policías más.",
                concerns=[extortion], institution=institutions["FGE"], quantity=200,
                unit="agentes del ministerio público",
            )
            # Services refuse to schedule in the past (a page must never do it), so the demo
            # schedules this plenary for tomorrow, builds its agenda, and then moves its times
            # back four weeks with a queryset update, as tests/meetings/factories.start_session
            # does; its code follows the month it was really held in.
            session = meeting_services.session_schedule(
                table=table, actor=secretariat, title=PAST_PLENARY,
                starts_at=at(today + timedelta(days=1), 17), ends_at=at(today + timedelta(days=1), 19, 30),
                place="Sala de Cabildo, Presidencia Municipal de Juárez",
                description="Sesión ordinaria de la mesa con las autoridades de los tres órdenes de "
                            "gobierno.",
            )
            meeting_services.proposal_submit(proposal=proposal, session=session)
            meeting_services.agenda_item_add(session=session, title="Bienvenida y lista de asistencia")
            meeting_services.agenda_item_add(
                session=session, title="Propuesta de la subcomisión de acceso a la justicia: "
                                       "200 agentes del ministerio público",
                concerns=[extortion], proposals=[proposal], duration_minutes=45)
            meeting_services.agenda_item_add(
                session=session, title="Robos con violencia en la parada de camiones de Parajes del Sur",
                duration_minutes=30)
            meeting_services.agenda_item_add(session=session, title="Asuntos generales")
            meeting_services.agenda_publish(session=session, actor=secretariat)
            held_on = today - timedelta(days=28)
            moved = {"starts_at": at(held_on, 17), "ends_at": at(held_on, 19, 30)}
            code = f"PL-{held_on:%Y-%m}"
            if not Session.objects.filter(table=table, code=code).exists():
                moved["code"] = code
            Session.objects.filter(pk=session.pk).update(**moved)
            session.refresh_from_db()

            meeting_services.attendance_record(
                session=session, actor=secretariat,
                attendees=[people[email] for email in (
                    "secretaria@demo.mesa.mx", "coordinador@demo.mesa.mx", "funcionaria@demo.mesa.mx",
                    "organizacion@demo.mesa.mx", "ciudadana@demo.mesa.mx")],
                institutions=[institutions[acronym] for acronym in ("FGR", "GN", "FGE", "SSPM")],
            )
            meeting_services.agreement_record(
                session=session, actor=secretariat,
                text="Se aprueba la propuesta de la subcomisión de acceso a la justicia: la Fiscalía "
                     "General del Estado asignará 200 agentes del ministerio público a la investigación "
                     "de denuncias por extorsión en Ciudad Juárez, con el apoyo de la Fiscalía General "
                     "de la República en los delitos del fuero federal. La Fiscalía informará del avance "
                     "en cada sesión plenaria.",
                concerns=[extortion], proposals=[proposal],
                responsible_institutions=[institutions["FGE"], institutions["FGR"]],
            )
            meeting_services.agreement_record(
                session=session, actor=secretariat,
                text="La Secretaría de Seguridad Pública Municipal y la Secretaría de Seguridad Pública "
                     "del Estado reforzarán el patrullaje nocturno en la parada de camiones de Parajes del "
                     "Sur, de 20:00 a 24:00, e informarán a la mesa en 30 días.",
                responsible_institutions=[institutions["SSPM"], institutions["SSPE"]],
            )
            minutes = meeting_services.minutes_draft(
                session=session, actor=secretariat,
                text=PAST_MINUTES % {"code": session.code},
            )
            meeting_services.minutes_approve(minutes=minutes, actor=secretariat)
            created += 1

        next_plenary = Session.objects.filter(table=table, title=NEXT_PLENARY).first()
        if next_plenary is None:
            # The 15th of next month, at 17:00 in the table's zone.
            next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=15)
            next_plenary = meeting_services.session_schedule(
                table=table, actor=secretariat, title=NEXT_PLENARY,
                starts_at=at(next_month, 17), ends_at=at(next_month, 19, 30),
                place="Sala de Cabildo, Presidencia Municipal de Juárez",
                online_url="https://reuniones.example.org/mesa-juarez",
                description="Sesión ordinaria. La secretaría técnica arma el orden del día con las "
                            "propuestas de las subcomisiones.",
            )
            created += 1
        for title, request, concern_title, quantity, unit in NEXT_PROPOSALS:
            proposal = Proposal.objects.filter(table=table, title=title).first()
            if proposal is None:
                proposal = meeting_services.proposal_create(
                    subcommittee=justice, actor=coordinator, title=title, request=request,
                    concerns=[Concern.objects.get(table=table, title=concern_title)],
                    institution=institutions["FGE"], quantity=quantity, unit=unit,
                )
                created += 1
            upcoming = not (next_plenary.is_cancelled or next_plenary.has_ended)
            if proposal.status == ProposalStatus.DRAFT and upcoming:
                meeting_services.proposal_submit(proposal=proposal, session=next_plenary)

        if not Session.objects.filter(table=table, title=JUSTICE_SESSION).exists():
            day = today + timedelta(days=7)
            meeting_services.session_schedule(
                table=table, actor=coordinator, subcommittee=justice, title=JUSTICE_SESSION,
                starts_at=at(day, 10), ends_at=at(day, 12),
                place="Oficinas del Plan Estratégico de Juárez",
                online_url="https://reuniones.example.org/justicia",
                description="Revisión de las denuncias por extorsión y de las propuestas para la "
                            "próxima sesión plenaria.",
            )
            created += 1
        return created

    def _seed_commitments(self, table: Table, people: dict) -> int:
        """The held plenary's agreements become commitments, written through the services by
        the people who would write them, each in a history context that names them."""
        from commitments import services as commitment_services
        from commitments.models import Commitment, CommitmentStatus, Verdict
        from meetings.models import Session

        created = 0
        secretariat = people["secretaria@demo.mesa.mx"]
        official = people["funcionaria@demo.mesa.mx"]
        institutions = {i.acronym: i for i in Institution.objects.filter(table=table)}
        plenary = Session.objects.get(table=table, title=PAST_PLENARY)
        prosecutors, patrols = plenary.agreements.order_by("number")[:2]
        held_on = commitment_services.agreement_date(prosecutors)
        today = timezone.localdate(timezone=table.zone)

        def acting(user):
            return pghistory.context(user=user.pk, url="seed_demo")

        def day(days_after: int) -> date:
            return min(held_on + timedelta(days=days_after), today)

        if not Commitment.objects.filter(agreement=prosecutors, institution=institutions["FGE"]).exists():
            with acting(secretariat):
                commitment = commitment_services.commitment_record(
                    agreement=prosecutors, actor=secretariat, institution=institutions["FGE"],
                    description=FGE_COMMITMENT, due_on=held_on + timedelta(days=FGE_DUE_DAYS),
                    co_responsible=[institutions["FGR"]], responsible_officials=[official],
                    unit=PROSECUTORS_UNIT, requested=200, committed=40,
                )
            updates = []
            with acting(official):
                for days_after, delivered, text, with_photo in FGE_UPDATES:
                    updates.append(commitment_services.update_post(
                        commitment=commitment, actor=official, institution=institutions["FGE"],
                        text=text, action_on=day(days_after), delivered_change=delivered,
                        files=[demo_photo()] if with_photo else [],
                    ))
            with acting(secretariat):
                commitment_services.update_comment(update=updates[0], actor=secretariat,
                                                   text=FGE_UPDATE_COMMENT)
            created += 1

        if not Commitment.objects.filter(agreement=prosecutors, institution=institutions["FGR"]).exists():
            with acting(secretariat):
                commitment = commitment_services.commitment_record(
                    agreement=prosecutors, actor=secretariat, institution=institutions["FGR"],
                    description=FGR_COMMITMENT, due_on=held_on + timedelta(days=FGR_DUE_DAYS),
                    co_responsible=[institutions["FGE"]],
                )
                commitment_services.commitment_set_status(
                    commitment=commitment, actor=secretariat, status=CommitmentStatus.FULFILLED,
                    reason=FGR_FULFILLED)
            representative = people["organizacion@demo.mesa.mx"]
            with acting(representative):
                commitment_services.delivery_review(commitment=commitment, user=representative,
                                                    verdict=Verdict.CONFIRMED, comment=FGR_CONFIRMATION)
            created += 1

        if not Commitment.objects.filter(agreement=patrols, institution=institutions["SSPM"]).exists():
            # Due a week after the plenary, moved to two weeks: long past, and nothing reported.
            with acting(secretariat):
                commitment = commitment_services.commitment_record(
                    agreement=patrols, actor=secretariat, institution=institutions["SSPM"],
                    description=PATROL_COMMITMENT, due_on=day(PATROL_DUE_DAYS),
                    co_responsible=[institutions["SSPE"]], unit=PATROL_UNIT, requested=2, committed=2,
                )
                commitment_services.commitment_move_due_date(
                    commitment=commitment, actor=secretariat, due_on=day(PATROL_MOVED_DUE_DAYS),
                    reason=PATROL_MOVE_REASON, agreed_by="La secretaría técnica")
            citizen = people["ciudadana@demo.mesa.mx"]
            with acting(citizen):
                commitment_services.delivery_review(commitment=commitment, user=citizen,
                                                    verdict=Verdict.DISPUTED, comment=PATROL_DISPUTE)
            created += 1
        return created


    def _seed_indicators(self, table: Table, people: dict) -> int:
        """The performance-indicators coordinator sets the baselines and targets and enters the
        figures of homicides and of the justice chain, through the services, in a history
        context that names them. Extortion's figures are not entered: the demo imports them."""
        from indicators import services as indicator_services
        from indicators.models import Indicator

        created = 0
        coordinator = people[INDICATORS_COORDINATOR]
        owner = Subcommittee.objects.get(table=table, standing_theme=Subcommittee.Theme.INDICATORS)
        if not owner.coordinators.filter(pk=coordinator.pk).exists():
            subcommittee_set_coordinators(subcommittee=owner, users=[*owner.coordinators.all(), coordinator])
            created += 1
        today = timezone.localdate(timezone=table.zone)
        this_month = today.replace(day=1)
        # The twelve full months before this one, oldest first.
        months = [_months_before(this_month, back) for back in range(12, 0, -1)]
        target_date = date(today.year + 1, 12, 31)
        indicators = {i.code: i for i in Indicator.objects.filter(table=table, code__in=DEMO_INDICATORS)}
        rows = []
        with pghistory.context(user=coordinator.pk, url="seed_demo"):
            for code, (baseline, target, methodology, figures) in DEMO_INDICATORS.items():
                indicator = indicators[code]
                if code == "extortion":
                    baseline_period = date(EXTORTION_YEAR - 1, 12, 1)
                    methodology %= {"year": EXTORTION_YEAR - 1}
                else:
                    baseline_period = _months_before(months[0], 1)
                if indicator.baseline_value is None:
                    indicator = indicator_services.indicator_update(
                        indicator=indicator, actor=coordinator, baseline_value=Decimal(str(baseline)),
                        baseline_period=baseline_period, source=indicator.source or INDICATOR_SOURCE,
                        methodology=indicator.methodology or methodology)
                    created += 1
                if not indicator.targets.exists():
                    indicator_services.target_set(
                        indicator=indicator, actor=coordinator, value=Decimal(str(target)),
                        due_on=target_date, note=TARGET_NOTE)
                    created += 1
                if figures is None:
                    continue
                recorded = set(indicator.observations.whole_table().values_list("period_start", flat=True))
                for month, value in zip(months, figures, strict=True):
                    if month not in recorded:
                        rows.append(indicator_services.ImportRow(
                            line=len(rows) + 1, indicator_id=indicator.pk, code=code, period_start=month,
                            colonia="", value=Decimal(value), source=INDICATOR_SOURCE))
            if rows:
                created += len(indicator_services.observations_import(table=table, actor=coordinator,
                                                                      rows=rows))
        return created


def _months_before(month: date, count: int) -> date:
    """The first day of the month `count` months before `month` (a first day)."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def demo_photo() -> SimpleUploadedFile:
    """A small photo as a phone sends it, with the camera, its owner and the place in its EXIF
    (update_post keeps only its pixels): people in front of the prosecutor's office."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (190, 214, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 480, 320), fill=(160, 150, 130))
    draw.rectangle((50, 80, 430, 250), fill=(232, 226, 214))
    draw.rectangle((210, 160, 270, 250), fill=(120, 86, 60))
    for x in range(70, 420, 40):
        draw.ellipse((x, 200, x + 18, 218), fill=(92, 64, 48))
        draw.rectangle((x + 1, 218, x + 17, 262), fill=(34, 44, 84))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x013B] = "Ana Fiscalía"  # artist: the owner's name
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (31.0, 44.0, 0.0), "W", (106.0, 29.0, 0.0)  # Ciudad Juárez
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, exif=exif)
    return SimpleUploadedFile("toma-de-protesta.jpg", out.getvalue(), content_type="image/jpeg")
