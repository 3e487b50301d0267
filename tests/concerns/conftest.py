"""The concern tests' subcommittee: the table's first standing one."""

import pytest


@pytest.fixture
def subcommittee(table):
    return table.subcommittees.order_by("pk")[0]
