"""Pieces every Mesa API view shares: how callers authenticate, how a write
names its table, and how a person is shown.

Who may do what is never decided here: views ask mesa.permissions and
subcommittees.permissions, exactly as the pages do.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from rest_framework import serializers
from rest_framework.request import Request

from mesa.models import Table

# Free-text fields without a length in the model (descriptions) get this bound
# in the API, so a single request cannot store megabytes of text.
TEXT_MAX_LENGTH = 10_000


class PersonSerializer(serializers.Serializer):
    """A person as other participants see them: never the email address."""

    id = serializers.IntegerField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class TableField(serializers.SlugRelatedField):
    """A table named by its slug (400 if there is none). The shape is checked
    before the database is asked: PostgreSQL answers a NUL byte with an error,
    not with "no such row"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Table.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > Table._meta.get_field("slug").max_length:
            self.fail("invalid")
        try:
            validate_slug(data)
        except ValidationError:
            self.fail("invalid")
        return super().to_internal_value(data)


class TableRefSerializer(serializers.Serializer):
    """The table a new record belongs to, named by its slug."""

    table = TableField()


def table_from_input(request: Request, rule: Callable) -> Table:
    """The table named in the body (400 if missing or unknown), or PermissionDenied
    unless ``rule(user, table)`` holds. Run before the rest of the body is
    validated, so someone without the power learns nothing from error messages."""
    ref = TableRefSerializer(data=request.data)
    ref.is_valid(raise_exception=True)
    table = ref.validated_data["table"]
    if not rule(request.user, table):
        raise PermissionDenied
    return table


def sent_fields(request: Request) -> set[str]:
    """The names of the fields a request body carries (none for a body that is not an object),
    for a PATCH that must refuse fields changed only elsewhere."""
    data = request.data
    return set(data.keys()) if hasattr(data, "keys") else set()
