"""Fixtures of the API contract tests: the world, built through the services per test.

Each test runs in pytest-django's transaction, so whatever a request changes is undone.
(A world shared by a module would need a transaction that outlives Django's TestCase,
which closes the connection after every test on PostgreSQL.)
"""

import pytest

from .world import build_world


@pytest.fixture
def world(db):
    return build_world()
