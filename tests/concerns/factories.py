import factory

from concerns import services
from concerns.models import Colonia, Concern, Visibility
from mesa.models import Table


class ColoniaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Colonia

    name = factory.Sequence(lambda n: f"Colonia {n}")


def raise_concern(table: Table, *, reporter=None, visibility: str = Visibility.PUBLIC,
                  subcommittee=None, title: str = "Cobro de piso en el mercado",
                  description: str = "Nos piden cuota cada semana.", **extra) -> Concern:
    """A concern raised through the same service the pages use."""
    concern, _code = raise_concern_with_code(table, reporter=reporter, visibility=visibility,
                                             subcommittee=subcommittee, title=title,
                                             description=description, **extra)
    return concern


def raise_concern_with_code(table: Table, *, reporter=None, visibility: str = Visibility.PUBLIC,
                            subcommittee=None, title: str = "Cobro de piso en el mercado",
                            description: str = "Nos piden cuota cada semana.", **extra):
    subcommittee = subcommittee or table.subcommittees.first()
    return services.concern_raise(table=table, subcommittee=subcommittee, title=title,
                                  description=description, visibility=visibility,
                                  reporter=reporter, **extra)
