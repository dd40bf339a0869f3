"""/healthz reports the database, the cache and the broker each on its own, and sign-in keeps
working, throttled, when the cache (Redis) is unreachable."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from portal.roles import Role
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Nothing listens on port 1 of the loopback: a connection is refused at once.
CLOSED = "127.0.0.1:1"
DEAD_CACHE = {"default": {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": f"redis://{CLOSED}/0",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}}
THROTTLED = "登录失败次数过多，请一分钟后再试。"


def test_healthz_reports_each_component(client):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "components": {
        "database": {"status": "ok"}, "cache": {"status": "ok"}, "broker": {"status": "ok"},
    }}


def _healthz_in_a_process(**env) -> tuple[int, dict]:
    """GET /healthz in a fresh process whose settings come from `env` (the database, cache
    and broker it names are the ones it checks)."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "r = Client(HTTP_HOST='localhost').get('/healthz')\n"
        "print(json.dumps([r.status_code, json.loads(r.content)]))\n"
    )
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings",
                   "PORTAL_TESTING": "1", "PYTHONPATH": str(ROOT), **env}
    for name, value in env.items():
        if value is None:
            environment.pop(name, None)
    done = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    return status, body


def test_healthz_says_which_of_cache_and_broker_is_down_and_still_answers_200(tmp_path):
    status, body = _healthz_in_a_process(
        REDIS_URL=f"redis://{CLOSED}/0", DATABASE_URL=None,
        SQLITE_PATH=str(tmp_path / "db.sqlite3"), PORTAL_VAR_DIR=str(tmp_path),
    )
    assert status == 200
    assert body["status"] == "degraded"
    assert body["components"]["database"] == {"status": "ok"}
    assert body["components"]["cache"]["status"] == "down"
    assert body["components"]["broker"]["status"] == "down"


def test_healthz_is_503_when_the_database_is_down(tmp_path):
    status, body = _healthz_in_a_process(
        DATABASE_URL=f"postgres://postgres@{CLOSED}/portal", REDIS_URL=None,
        PORTAL_VAR_DIR=str(tmp_path),
    )
    assert status == 503
    assert body["status"] == "down"
    assert body["components"]["database"]["status"] == "down"
    assert body["components"]["cache"] == {"status": "ok"}


# --- sign-in with the cache down ---------------------------------------------------------------


@pytest.fixture
def cache_down(caplog):
    """The cache is a Redis nobody listens for; the throttle starts without a verdict."""
    from portal import auth

    auth.counters.local.clear()
    auth.counters._down_until = 0.0
    with override_settings(CACHES=DEAD_CACHE):
        yield caplog
    auth.counters.local.clear()
    auth.counters._down_until = 0.0


def test_sign_in_works_when_the_cache_is_unreachable(client, cache_down):
    """Regression: the throttle's cache raised ConnectionError and sign-in was a 500."""
    user = user_with(Role.ENTERPRISE)
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert any("cache is unreachable" in record.getMessage() for record in cache_down.records)


def test_sign_in_is_still_throttled_when_the_cache_is_unreachable(client, api, cache_down):
    user = user_with(Role.ENTERPRISE)
    for _ in range(5):
        page = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
        assert page.status_code == 200
    sixth = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert sixth.status_code == 200 and THROTTLED in sixth.content.decode()
    assert "_auth_user_id" not in client.session
    token = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                     format="json")
    assert token.status_code == 429


def test_api_sign_in_works_when_the_cache_is_unreachable(api, cache_down):
    user = user_with(Role.ENTERPRISE)
    response = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD},
                        format="json")
    assert response.status_code == 200 and response.json()["token"]
