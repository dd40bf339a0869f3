"""The suite's own set-up: markers that skip, and a cache reset that spares the broker."""

import pytest
from django.core.cache import caches

from tests.conftest import _clear_cache


@pytest.mark.redis
def test_the_cache_reset_between_tests_keeps_the_brokers_keys():
    """Regression: `cache.clear()` in the autouse fixture flushed the whole Redis database,
    which is also the Celery broker's, so queued tasks vanished between tests."""
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    broker_key = "_kombu.binding.suite-hygiene-probe"
    client.set(broker_key, "queued")
    try:
        cache.set("suite-hygiene-probe", 1)
        _clear_cache()
        assert cache.get("suite-hygiene-probe") is None
        assert client.get(broker_key) == b"queued"
    finally:
        client.delete(broker_key)


def test_the_on_postgres_fixture_marks_its_test(on_postgres, request):
    """The fixture and `@pytest.mark.postgres` agree: `-m "not postgres"` deselects both."""
    assert request.node.get_closest_marker("postgres") is not None


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_postgres_marked_test_runs_only_on_postgres():
    from django.db import connection

    assert connection.vendor == "postgresql"
