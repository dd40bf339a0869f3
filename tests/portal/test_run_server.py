"""`make run` under a burst of keep-alive clients: on PostgreSQL the server never holds more
database connections than it has worker threads, and on the SQLite default no idle request
thread keeps one (scripts/serve.sh, started as scripts/run.sh starts it)."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
BURST = 50
START_TIMEOUT = 20


def _admin_dsn(dbname: str) -> dict:
    conf = settings.DATABASES["default"]
    return {"dbname": dbname, "user": conf.get("USER") or "postgres",
            "password": conf.get("PASSWORD") or None, "host": conf.get("HOST") or "127.0.0.1",
            "port": conf.get("PORT") or 5432, "connect_timeout": 5}


def _url(dbname: str) -> str:
    dsn = _admin_dsn(dbname)
    password = f":{dsn['password']}" if dsn["password"] else ""
    return f"postgres://{dsn['user']}{password}@{dsn['host']}:{dsn['port']}/{dbname}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh_database():
    """A PostgreSQL database of its own for the server (dropped after), not the test one."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    name = f"portal_serve_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**_admin_dsn("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _server_env(port: int, var_dir: Path, **database) -> dict:
    """`make run`'s environment, not the test settings': no DJANGO_SETTINGS_MODULE from
    pytest, the worker not started (RUN_WORKER=0), DEBUG on."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "PORTAL_TESTING", "DJANGO_DEBUG",
                        "DATABASE_URL", "SQLITE_PATH"}}
    env.update(PORT=str(port), RUN_WORKER="0", DJANGO_DEBUG="1", PORTAL_VAR_DIR=str(var_dir),
               **database)
    return env


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass


@contextmanager
def serving(env: dict, log: Path) -> Iterator[subprocess.Popen]:
    """Migrate, then `bash scripts/serve.sh` in its own process group until it answers;
    the whole group is stopped afterwards, however the test ends."""
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=90)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    with open(log, "wb") as output:  # the child keeps its own copy open
        server = subprocess.Popen(["bash", "scripts/serve.sh"], cwd=ROOT, env=env,
                                  stdout=output, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        port = int(env["PORT"])
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert server.poll() is None and time.monotonic() < deadline, (
                f"the server did not start:\n{log.read_text(errors='replace')[-4000:]}"
            )
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield server
    finally:
        _stop(server)


class Sampler(threading.Thread):
    """Calls `count()` every 20 ms and keeps the highest and the latest value."""

    def __init__(self, count: Callable[[], int]):
        super().__init__(daemon=True)
        self.count = count
        self.highest = self.last = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.last = self.count()
            self.highest = max(self.highest, self.last)
            self.stopping.wait(0.02)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
        assert not self.is_alive()


def _client(port: int, start: threading.Barrier, done: threading.Semaphore,
            release: threading.Event, statuses: list) -> None:
    """One keep-alive client: two requests that read the database, then it stays connected
    until released, as a browser does."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        start.wait(timeout=10)
        for _ in range(2):
            connection.request("GET", f"/v/{uuid.uuid4().hex[:16]}/")  # looked up, not found
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    except (OSError, threading.BrokenBarrierError) as error:
        statuses.append(repr(error))
    finally:
        done.release()
        release.wait(timeout=15)
        connection.close()


def burst(port: int, sampler: Sampler, settled: Callable[[int], bool]) -> tuple[list, int]:
    """BURST clients at once, sampled throughout; the statuses, and the count once every
    client has its answers and sits connected and idle (when `settled(count)`, or after at
    most 5 s: what is still held then stays held)."""
    start, done, release = threading.Barrier(BURST), threading.Semaphore(0), threading.Event()
    statuses: list = []
    clients = [threading.Thread(target=_client, args=(port, start, done, release, statuses),
                                daemon=True) for _ in range(BURST)]
    sampler.start()
    try:
        for client in clients:
            client.start()
        for _ in range(BURST):
            assert done.acquire(timeout=20), "a client got no answer in time"
        deadline = time.monotonic() + 5
        time.sleep(0.2)
        while not settled(sampler.last) and time.monotonic() < deadline:
            time.sleep(0.1)
        held_while_idle = sampler.last
    finally:
        release.set()
        for client in clients:
            client.join(timeout=10)
        sampler.stop()
    assert not any(client.is_alive() for client in clients)
    return statuses, held_while_idle


@pytest.mark.postgres
def test_on_postgres_a_burst_holds_no_more_connections_than_the_server_has_threads(
    fresh_database, tmp_path
):
    port = _free_port()
    env = _server_env(port, tmp_path / "var", DATABASE_URL=_url(fresh_database))
    log = tmp_path / "serve.log"
    with serving(env, log):
        shape = re.search(r"with gunicorn: (\d+) workers x (\d+) threads", log.read_text())
        assert shape, log.read_text()
        limit = int(shape[1]) * int(shape[2])
        # Static files are still served (WhiteNoise, DEBUG on as in `make run`).
        status, body = _get(port, "/static/portal/portal.css")
        assert status == 200 and body

        session = psycopg2.connect(**_admin_dsn("postgres"))  # not counted: another database
        session.autocommit = True

        def connections() -> int:
            with session.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                               [fresh_database])
                return cursor.fetchone()[0]

        sampler = Sampler(connections)
        try:
            statuses, held_while_idle = burst(port, sampler, lambda count: count <= limit)
        finally:
            session.close()
    assert statuses == [404] * (2 * BURST), statuses
    highest = sampler.highest
    assert 1 <= highest <= limit and held_while_idle <= limit, (highest, held_while_idle, limit)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_on_sqlite_no_idle_request_thread_keeps_a_connection(tmp_path):
    database = tmp_path / "db.sqlite3"
    port = _free_port()
    env = _server_env(port, tmp_path / "var", SQLITE_PATH=str(database))
    log = tmp_path / "serve.log"
    with serving(env, log) as server:
        assert "with runserver" in log.read_text(), log.read_text()
        fds = Path(f"/proc/{server.pid}/fd")  # serve.sh execs runserver: the same process

        def connections() -> int:
            # Each SQLite connection holds the database file open.
            count = 0
            for fd in fds.iterdir():
                try:
                    count += os.readlink(fd) == str(database)
                except OSError:  # closed meanwhile
                    pass
            return count

        sampler = Sampler(connections)
        statuses, held_while_idle = burst(port, sampler, lambda count: count == 0)
    assert statuses == [404] * (2 * BURST), statuses
    # The requests did open the database; none of the idle keep-alive threads kept it.
    assert sampler.highest >= 1 and held_while_idle == 0, (sampler.highest, held_while_idle)
