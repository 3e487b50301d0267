"""Load the Ciudad Juárez demo table. Safe to run again: it creates nothing twice."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from mesa import services
from mesa.models import GovernmentLevel, Institution, Membership, Organisation, OrganisationKind, Role, Table
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
    ("funcionaria@demo.mesa.mx", "Ana Fiscalía", Role.OFFICIAL, "FGE"),
    ("funcionario.pendiente@demo.mesa.mx", "Pedro Policía (por verificar)", Role.OFFICIAL, "SSPM"),
    ("organizacion@demo.mesa.mx", "Rosa Plan Estratégico", Role.REPRESENTATIVE, "Plan Estratégico de Juárez"),
    ("ciudadana@demo.mesa.mx", "María Ciudadana", Role.CITIZEN, None),
]


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
            (justice, "Denuncias de extorsión sin seguimiento en la Fiscalía",
             "Comerciantes del Centro presentamos denuncias por cobro de piso hace meses y nadie "
             "nos ha llamado. Pedimos más agentes del ministerio público.", "Centro",
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
