"""Fixtures for the whole suite: an API client per role and the database under test."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portal.roles import Role
from tests.factories import user_with


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for(db):
    """client_for(user) → an API client authenticated with the user's token."""
    from rest_framework.authtoken.models import Token

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def admin_user(db):
    return user_with(Role.ADMIN, is_staff=True)


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters (sign-in throttling) must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
