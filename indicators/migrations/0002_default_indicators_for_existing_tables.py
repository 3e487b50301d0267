"""Tables created before indicators existed get the default ones (new tables get them
from mesa.services.table_prepare)."""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from indicators.services import DEFAULT_INDICATORS

    Table = apps.get_model("mesa", "Table")
    Subcommittee = apps.get_model("subcommittees", "Subcommittee")
    Indicator = apps.get_model("indicators", "Indicator")
    for table in Table.objects.all():
        owner = Subcommittee.objects.filter(table=table, standing_theme="indicators").first()
        if owner is None:
            continue
        existing = set(Indicator.objects.filter(table=table).values_list("code", flat=True))
        for position, default in enumerate(DEFAULT_INDICATORS, start=1):
            if default.code in existing:
                continue
            Indicator.objects.create(table=table, code=default.code, name_es=default.name_es,
                                     name_en=default.name_en,
                                     unit=default.unit, direction=default.direction, subcommittee=owner,
                                     justice_stage=default.justice_stage, position=position)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
        ("subcommittees", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
