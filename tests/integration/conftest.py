"""A real Celery worker, a private Redis broker and a non-eager producer for the integration
tests. They need PostgreSQL (DATABASE_URL) and a reachable Redis (REDIS_URL); elsewhere they
skip, so the embedded-default run of the suite is unaffected."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
WORKER_SETTINGS = "tests.integration.worker_settings"
READY_TIMEOUT = 30


def _redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            for marker in (pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis):
                item.add_marker(marker)
            # Their own waits (a worker's start, a delivery, a broker's recovery) add up to
            # more than the suite's per-test timeout; each fails by itself well before this.
            item.add_marker(pytest.mark.timeout(300))


@pytest.fixture
def needs_worker_services(transactional_db):
    """Skip unless the database under test is PostgreSQL and REDIS_URL answers."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (a worker process shares the database)")
    if not _redis_url():
        pytest.skip("needs Redis: set REDIS_URL")
    if not _redis_answers(_redis_url()):
        pytest.skip(f"Redis at REDIS_URL={_redis_url()} does not answer")


def wait_until(predicate: Callable[[], object], *, timeout: float, interval: float = 0.2):
    """Poll `predicate` until it returns something truthy; that value, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The pytest-django test database, as a URL a separate process can use."""
    conf = connection.settings_dict
    credentials = quote(conf["USER"] or "postgres")
    if conf.get("PASSWORD"):
        credentials += ":" + quote(conf["PASSWORD"])
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(conf['NAME'])}"


class CeleryWorker:
    """`celery -A portal worker` as a child process with its own process group, so that
    stopping it also stops an embedded beat."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.queue = f"it-{uuid.uuid4().hex[:12]}"
        self.mail_dir = folder / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, broker_url: str, beat: bool = False, sweep_seconds: float = 60) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
            "PORTAL_TESTING": "1",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker_url,
            "PORTAL_IT_QUEUE": self.queue,
            "PORTAL_IT_MAIL_DIR": str(self.mail_dir),
            "PORTAL_IT_SWEEP_SECONDS": str(sweep_seconds),
            "PORTAL_VAR_DIR": str(self.folder / "var"),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "portal", "worker",
            "--pool=solo", "--concurrency=1", "-Q", self.queue, "-n", f"{self.queue}@%h",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        if beat:
            command += ["--beat", "--schedule", str(self.folder / "beat-schedule")]
        with open(self.log_path, "ab") as log:  # the child keeps its own copy open
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = wait_until(lambda: "ready." in self.log() or self.process.poll() is not None,
                           timeout=READY_TIMEOUT)
        if not ready or self.process.poll() is not None:
            output = self.log()
            self.stop()
            raise RuntimeError(f"the Celery worker did not start:\n{output[-4000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass

    def mail_subjects(self) -> list[str]:
        """Subjects of the messages the worker's file email backend wrote."""
        subjects = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for chunk in path.read_bytes().split(b"-" * 79):
                if chunk.strip():
                    message = email.message_from_bytes(chunk.strip(), policy=email.policy.default)
                    subjects.append(str(message["subject"]).strip())
        return subjects


class RedisServer:
    """A private redis-server on a free port: stopped and started again on the same port, it
    is a real broker outage and a real recovery."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        if not wait_until(lambda: _redis_answers(self.url), timeout=10):
            self.stop()
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def is_up(self) -> bool:
        return _redis_answers(self.url)


def _other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.fixture
def worker(needs_worker_services, tmp_path):
    """A Celery worker (not started); stopped after the test however it ends."""
    started = CeleryWorker(tmp_path / "worker")
    yield started
    started.stop()
    if started.process is not None:
        # Its database sessions end a moment after it does; the test database is flushed
        # (and at the end dropped) only once they have.
        wait_until(lambda: _other_sessions() == 0, timeout=10)
        # The worker's queue lives in a shared Redis database: leave nothing behind.
        try:
            client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=1)
            client.delete(
                started.queue,
                f"_kombu.binding.{started.queue}",
                f"_kombu.binding_permanent.{started.queue}",
            )
        except (redis.RedisError, OSError):
            pass


@pytest.fixture
def private_redis(needs_worker_services, tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH for a private broker")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


def _reset_broker_connections(app) -> None:
    from kombu import pools

    pools.reset()  # close and forget this process's pooled broker connections, as after a fork
    app._pool = None
    app.__dict__.pop("amqp", None)  # rebuilt with the current queue and producer pool


@contextmanager
def _producing(*, broker_url: str, queue: str):
    from portal.celery import app

    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    _reset_broker_connections(app)
    try:
        yield app
    finally:
        _reset_broker_connections(app)
        app.conf.update(saved)
        _reset_broker_connections(app)


@pytest.fixture
def producer():
    """producer(broker_url=..., queue=...): this process publishes tasks to that broker
    instead of running them eagerly (the test settings' default); restored afterwards."""
    with ExitStack() as stack:
        yield lambda **kwargs: stack.enter_context(_producing(**kwargs))
