"""Fixtures of the contract tests: the world, per test or once per module.

`world`: built through the services per test, in pytest-django's transaction, so whatever
a request changes is undone.

`shared_world`: built once per module inside one transaction that is rolled back when the
module ends. Its tests carry the `django_db` mark as usual: pytest-django runs each one in
a savepoint of that transaction (it skips TestCase's class set-up, which would close the
connection) and undoes it; `undone()` undoes single calls within a test, so every call
meets the same world.
"""

from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import transaction

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block in a savepoint that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


# What the matrices checked in this run, printed at its end (issue 8's closing note asks for
# the feed invariant's types × users and the admin matrix's cases).
COUNTS: Counter = Counter()


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        terminalreporter.section("contract matrices")
        for name, count in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count}")
