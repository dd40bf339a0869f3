"""Fixtures for the whole suite: an API client per role and the database under test.

Tests that need PostgreSQL or Redis carry the `postgres` / `redis` markers; the hooks below
skip them, with the reason, where the service is missing (the `on_postgres` fixture marks
its test the same way). On SQLite the test database is a file, so that threads of one test
each open their own connection to it, as on PostgreSQL.
"""

import functools
import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from portal.roles import Role
from tests.factories import user_with


def _database_is_postgres() -> bool:
    from django.conf import settings

    return "postgresql" in settings.DATABASES["default"]["ENGINE"]


@functools.cache
def _redis_answers() -> bool:
    import redis

    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "on_postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not _database_is_postgres():
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("redis") and not _redis_answers():
        pytest.skip("needs Redis: set REDIS_URL to a Redis server that answers")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite: a test database file instead of pytest-django's in-memory one, in which a
    thread's own connection would see an empty database or fail with 'table is locked'."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        folder = tmp_path_factory.mktemp("sqlite")
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def schema_check():
    """`schema_check(response)` asserts that an API response is what /api/schema/ documents
    for its operation (status, body, headers; tests/api_schema/validation.py), and returns
    it. Responses outside /api/v1/ pass unchecked."""
    from tests.api_schema.validation import check_response

    return check_response


@pytest.fixture
def client_for(db):
    """client_for(user) → an API client authenticated with a token of the user's (one per
    user and test).

    The token is a row like the ones `portal.tokens.issue` makes, without the journal event
    of a sign-in: a test of the journal or of the feed then meets only its own entries.
    Tests of sign-in itself go through `POST /api/v1/auth/token/` or `tokens.issue`.
    """
    import secrets

    from django.utils import timezone

    from portal import tokens
    from portal.models import ApiToken

    issued = {}

    def make(user):
        client = APIClient()
        if user.pk not in issued:
            secret, now = secrets.token_urlsafe(32), timezone.now()
            ApiToken.objects.create(
                user=user, prefix=secret[: tokens.PREFIX_LENGTH], digest=tokens.digest(secret),
                created_at=now, last_used_at=now, expires_at=now + tokens.max_age(),
            )
            issued[user.pk] = secret
        client.credentials(HTTP_AUTHORIZATION=f"Token {issued[user.pk]}")
        return client

    return make


@pytest.fixture
def admin_user(db):
    return user_with(Role.ADMIN, is_staff=True)


@pytest.fixture
def on_postgres():
    """The older spelling of `@pytest.mark.postgres`: a test using it is marked (and so
    skipped) by the hooks above; this skip is only a second guard."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _clear_cache() -> None:
    """Delete the cache's own keys. On Redis, `cache.clear()` would flush the whole
    database, which is also the Celery broker's: queued tasks would vanish."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]  # the backend itself: `django.core.cache.cache` is a proxy
    if not isinstance(cache, RedisCache):
        cache.clear()  # local memory: this process's own
        return
    if not cache.key_prefix:
        raise RuntimeError("the Redis cache needs a KEY_PREFIX to be cleared apart from the "
                           "broker's keys (portal/settings.py)")
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Counters (sign-in throttling) must not leak from one test into the next."""
    _clear_cache()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language: a test (or a request it made)
    that activated English must not change what the next one reads, in random order."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
