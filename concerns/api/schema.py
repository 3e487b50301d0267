"""Named enums for the concerns API schema.

drf-spectacular names an enum after its field ("status", "kind"). The same
name is already taken by other choice sets of the API (an organisation's
"kind"), and a concern's status shows under three names (status,
from_status, to_status): both are warnings, which the schema check treats as
failures. A ``NamedChoiceField`` states its enum component's name instead,
so concern enums never collide with another app's.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose enum is the schema component `enum_name`."""

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field: NamedChoiceField = self.target
        values = [value for value in field.choices if value != ""]
        description = "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items()
                                if value != "")
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={"type": "string", "enum": values, "description": description},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref
