import factory

from mesa import services
from mesa.models import GovernmentLevel, Institution, Membership, Organisation, OrganisationKind, Role, Table
from tests.accounts.factories import UserFactory


class TableFactory(factory.django.DjangoModelFactory):
    """Made through table_create, so groups and standing subcommittees exist as in real life."""

    class Meta:
        model = Table

    name = factory.Sequence(lambda n: f"Mesa de Seguridad {n}")
    slug = factory.Sequence(lambda n: f"mesa-{n}")
    city = "Ciudad Juárez"
    time_zone = "America/Ciudad_Juarez"
    default_language = "es"
    is_public = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.table_create(**kwargs)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    table = factory.SubFactory(TableFactory)
    name = factory.Sequence(lambda n: f"Fiscalía {n}")
    acronym = factory.Sequence(lambda n: f"F{n}")
    level = GovernmentLevel.STATE


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    table = factory.SubFactory(TableFactory)
    name = factory.Sequence(lambda n: f"Organización {n}")
    kind = OrganisationKind.CIVIL_SOCIETY


def make_member(table: Table, role: str = Role.CITIZEN, *, verified: bool = True, user=None,
                institution=None, organisation=None) -> Membership:
    """A person with `role` at `table`, through the same services the pages use."""
    user = user or UserFactory()
    if role == Role.OFFICIAL and institution is None:
        institution = InstitutionFactory(table=table)
    if role == Role.REPRESENTATIVE and organisation is None:
        organisation = OrganisationFactory(table=table)
    secretariat = (
        Membership.objects.active().filter(table=table, role=Role.SECRETARIAT).first()
    )
    claim = role if role in services.SELF_CLAIMABLE_ROLES else Role.CITIZEN
    membership = services.membership_join(
        table=table, user=user, role=claim, institution=institution, organisation=organisation
    )
    actor = secretariat.user if secretariat else user
    if claim != role:
        membership = services.membership_change_role(membership=membership, role=role, actor=actor)
    elif verified and membership.needs_verification:
        membership = services.membership_verify(membership=membership, actor=actor)
    return membership
