"""4,450 enterprises file through the API (Qiantang's count), against the peer and a bare insert.

One run on PostgreSQL behind one gunicorn server. Token clients in threads POST a filing and
then submit it once for every enterprise, first through the portal's API (/api/v1/filings/),
then through the **peer** (bench/peer/, under /bench/peer/filings/): a plain token-authenticated
DRF ModelViewSet with membership scope, the same validation, the negative-list check by
industry code prefix and a filing number, but no journal, idempotency keys, ETags or
notifications (DESIGN §9). The two are run in interleaved passes (portal, peer, portal, peer,
...), the enterprises' filings withdrawn between passes so that every pass files for all of
them; the ratio reported is the median over the pairs of passes, so a noisy machine moves
both sides together. The same clients also hit a bare endpoint of the same server that does
one ORM insert and nothing else: the physical floor, timed half before and half after.

Targets: portal filings/s at least 58 % of the peer's, and all 4,450 enterprises filed in
under 30 s. The approval process it replaces managed 30 a day per district.

Everything Django runs in child processes (seeding, gunicorn) against its own database
`portal_bench_filings`, recreated on every run; this process only talks HTTP and SQL counts,
so it never configures Django for the other benchmarks.

Environment: BENCH_FILING_ENTERPRISES (4450), BENCH_FILING_PASSES (3 of each side),
BENCH_FILING_PASS_ENTERPRISES (enterprises per interleaved pass; fewer than all makes the
passes shorter, and one full portal run of all the enterprises is then timed first),
BENCH_CLIENTS (16), BENCH_WORKERS (2 per core + 1).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import common

ROOT = common.ROOT
ENTERPRISES = int(os.environ.get("BENCH_FILING_ENTERPRISES", "4450"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
# gunicorn's own rule of thumb for sync workers: two per core, plus one.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
DATABASE = "portal_bench_filings"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSES = max(1, int(os.environ.get("BENCH_FILING_PASSES", "3")))
PASS_ENTERPRISES = min(
    ENTERPRISES, int(os.environ.get("BENCH_FILING_PASS_ENTERPRISES", str(ENTERPRISES)))
)
MAX_SECONDS = 30
MIN_PEER_RATIO = 0.58
# The two filing APIs of the server, and the path of a filing's submit action under each.
PORTAL = "/api/v1/filings/"
PEER = "/bench/peer/filings/"
ACTIVE = ("draft", "filed", "needs_review", "confirmed", "rectifying")
DECIDED = ("filed", "rejected", "needs_review")
APPROVALS_PER_DAY = 30  # the old approval process, per district
SHANGHAI = ZoneInfo("Asia/Shanghai")
MEASURES = (
    "screening", "dedicated_staff", "isolation_area", "masks", "disinfection",
    "closed_management", "temperature_checks",
)


# --- the database: created here, filled by a child process ----------------------------------


def _server_config() -> dict:
    import dj_database_url

    config = dj_database_url.parse(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if not config["ENGINE"].endswith("postgresql"):
        raise RuntimeError("this benchmark needs PostgreSQL (DATABASE_URL)")
    return config


def _connect(config: dict, dbname: str):
    import psycopg2

    return psycopg2.connect(
        dbname=dbname, user=config["USER"], password=config["PASSWORD"] or None,
        host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432,
    )


def _recreate_database(config: dict) -> str:
    admin = _connect(config, "postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    admin.close()
    password = f":{config['PASSWORD']}" if config["PASSWORD"] else ""
    host, port = config["HOST"] or "127.0.0.1", config["PORT"] or 5432
    return f"postgres://{config['USER']}{password}@{host}:{port}/{DATABASE}"


def _redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # no Redis: the server falls back to the filesystem transport
        return False


def _server_env(database_url: str, var_dir: Path, redis_url: str) -> dict:
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PORTAL_TESTING", "DJANGO_DEBUG"}
    }
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32),
        SECURE_SSL_REDIRECT="0",
        PORTAL_VAR_DIR=str(var_dir),
        EMAIL_URL="console://",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _child(args: list[str], env: dict) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _seed(count: int, out: Path) -> None:
    """In a child process: the demo registry with `count` enterprises and the published
    negative list, then one member user with an API token per enterprise. The tokens go to
    `out` as JSON."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from enterprises.models import Enterprise, Membership
    from filings import services as filing_services
    from filings.models import Filing
    from portal import demo
    from portal.models import User
    from portal.roles import Role
    from portal.services import tracked_bulk_create
    from portal.tokens import issue

    demo.seed(enterprises=count, password=secrets.token_urlsafe(12))  # with the negative list
    # The demo files for its story company: withdrawn, so that every enterprise files here.
    for filing in Filing.objects.active().order_by("id"):
        filing_services.filing_withdraw(filing=filing, actor=None)
    enterprises = list(Enterprise.objects.order_by("id").values_list("id", flat=True))
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(username=f"filer{pk}", display_name=f"填报员{pk}", password=unusable)
                for pk in enterprises
            ]
        )
        group = Group.objects.get(name=Role.ENTERPRISE)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users]
        )
        tracked_bulk_create(
            Membership,
            [
                Membership(user=user, enterprise_id=pk, title="复工专员")
                for user, pk in zip(users, enterprises, strict=True)
            ],
            actor=None,
            action="enterprises.membership.added",
        )
        keys = [issue(user) for user in users]
    out.write_text(
        json.dumps(
            {
                "recipient": users[0].pk,
                "clients": [
                    [key, pk, user.display_name]
                    for key, pk, user in zip(keys, enterprises, users, strict=True)
                ],
            }
        )
    )


# --- the server -------------------------------------------------------------------------------


def _start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn), "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS), "--backlog", "2048", "--timeout", "120",
            "--error-logfile", str(log),
        ],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "bench._filings_settings"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.2)
    common.stop(process)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


# --- the clients ------------------------------------------------------------------------------


class Client:
    """One HTTP/1.1 connection, reopened when the server closes it (gunicorn's sync workers
    close after every response)."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, path: str, body: dict | None = None, token: str = "") -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        payload = json.dumps(body or {}).encode()
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body=payload, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # a kept-alive connection the server dropped
                if attempt == 2:
                    raise
        try:
            decoded = json.loads(data) if data else {}
        except ValueError:
            decoded = {"raw": data[:300].decode(errors="replace")}
        return response.status, decoded

    def get(self, path: str, token: str = "") -> int:
        headers = {"Authorization": f"Token {token}"} if token else {}
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status


@dataclass
class Outcome:
    seconds: float = 0.0
    done: int = 0
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def _run_clients(port: int, jobs: list, work) -> Outcome:
    """`work(client, job, outcome, lock)` for every job, from CLIENTS threads at once."""
    pending: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        pending.put(job)
    outcome, lock = Outcome(), threading.Lock()
    start = threading.Barrier(CLIENTS + 1)

    def loop():
        client = Client(port)
        start.wait()
        while True:
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            try:
                work(client, job, outcome, lock)
            except Exception as error:  # counted as a failure, the run goes on
                with lock:
                    outcome.failures.append(f"{type(error).__name__}: {error}")
                client = Client(port)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    outcome.seconds = time.perf_counter() - began
    return outcome


def _combine(first: Outcome, second: Outcome) -> Outcome:
    return Outcome(
        seconds=first.seconds + second.seconds,
        done=first.done + second.done,
        requests=first.requests + second.requests,
        failures=first.failures + second.failures,
    )


def filing_body(enterprise_id: int, signer: str) -> dict:
    return {
        "enterprise": enterprise_id,
        "planned_resume_date": (datetime.now(SHANGHAI).date() + timedelta(days=1)).isoformat(),
        "employees_total": 120,
        "employees_returning": 96,
        "employees_from_outside": 12,
        "measures": dict.fromkeys(MEASURES, True),
        "commitment_accepted": True,
        "signer_name": signer,
    }


def _filer(base: str):
    """The work of one enterprise against the filing API under `base`: create, then submit."""

    def work(client: Client, job, outcome: Outcome, lock) -> None:
        token, enterprise_id, signer = job
        created, body = client.post(base, filing_body(enterprise_id, signer), token)
        submitted, result = (0, {})
        if created == 201:
            submitted, result = client.post(f"{base}{body['id']}/submit/", token=token)
        with lock:
            outcome.requests += 2 if created == 201 else 1
            if created == 201 and submitted == 200:
                outcome.done += 1
                status = result.get("status", "?")
                outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            elif len(outcome.failures) < 5:
                detail = body if created != 201 else result
                outcome.failures.append(f"create {created}, submit {submitted}: {detail}"[:300])
            else:
                outcome.failures.append("")

    return work


def _bare(client: Client, _job, outcome: Outcome, lock) -> None:
    status, _body = client.post("/bench/bare/")
    with lock:
        outcome.requests += 1
        if status == 201:
            outcome.done += 1
        else:
            outcome.failures.append(f"bare {status}")


def _warm_up(port: int, token: str) -> dict[str, bool]:
    """Touch every endpoint in every worker (imports, connections) before timing anything;
    whether each filing API answers at all."""
    client = Client(port)
    for _ in range(WORKERS * 8):
        client.post("/bench/bare/")
    return {
        base: all(client.get(base, token) == 200 for _ in range(WORKERS * 8))
        for base in (PORTAL, PEER)
    }


def _count(config: dict, sql: str, params=()) -> int:
    connection = _connect(config, DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]
    finally:
        connection.close()


def _withdraw_all(config: dict) -> None:
    """Between passes: every filing withdrawn (in SQL, outside both APIs: this is the bench's
    own bookkeeping), so that the next pass files for every enterprise again."""
    connection = _connect(config, DATABASE)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE filings_filing SET status = 'withdrawn', closed_at = now() "
                "WHERE status = ANY(%s)", [list(ACTIVE)],
            )
            cursor.execute("VACUUM ANALYZE filings_filing")
    finally:
        connection.close()


@dataclass
class Pass:
    side: str  # "portal" or "peer"
    outcome: Outcome
    enterprises: int
    decided: int  # filings the database holds as decided after the pass

    @property
    def rate(self) -> float:
        return self.outcome.done / self.outcome.seconds if self.outcome.seconds else 0.0

    @property
    def complete(self) -> bool:
        return self.outcome.done == self.decided == self.enterprises


def _filing_pass(config: dict, port: int, side: str, jobs: list) -> Pass:
    outcome = _run_clients(port, jobs, _filer(PORTAL if side == "portal" else PEER))
    decided = _count(config, "SELECT count(*) FROM filings_filing WHERE status = ANY(%s)",
                     [list(DECIDED)])
    _withdraw_all(config)
    return Pass(side, outcome, len(jobs), decided)


# --- the benchmark ----------------------------------------------------------------------------


def run() -> list[tuple]:
    config = _server_config()
    database_url = _recreate_database(config)
    redis_url = BENCH_REDIS_URL if _redis_answers(BENCH_REDIS_URL) else ""
    with tempfile.TemporaryDirectory(prefix="bench-filings-") as folder:
        folder = Path(folder)
        env = _server_env(database_url, folder / "var", redis_url)
        _child(["manage.py", "migrate", "--noinput", "-v", "0"], env)
        seed_started = time.perf_counter()
        _child(["-m", "bench.filings", "seed", str(ENTERPRISES), str(folder / "clients.json")], env)
        seed_seconds = time.perf_counter() - seed_started
        seeded = json.loads((folder / "clients.json").read_text())
        clients = seeded["clients"]
        port = common.free_port()
        server = _start_gunicorn(
            {**env, "BENCH_RECIPIENT_ID": str(seeded["recipient"])}, port, folder / "gunicorn.log"
        )
        full, passes = None, []
        try:
            answers = _warm_up(port, clients[0][0])
            # The floor is timed half before and half after the filings, so that a change in
            # other load on the machine during the run weighs on both sides alike.
            bare = _run_clients(port, range(ENTERPRISES), _bare)
            if answers[PORTAL] and answers[PEER]:
                if PASS_ENTERPRISES < ENTERPRISES:
                    full = _filing_pass(config, port, "portal", clients)
                for _ in range(PASSES):
                    for side in ("portal", "peer"):
                        passes.append(
                            _filing_pass(config, port, side, clients[:PASS_ENTERPRISES])
                        )
                if full is None:
                    full = passes[0]
            bare = _combine(bare, _run_clients(port, range(ENTERPRISES), _bare))
        finally:
            common.stop(server)
            log = (folder / "gunicorn.log").read_text(errors="replace")
        if redis_url:
            _drop_queue(redis_url)
    return _rows(bare, full, passes, answers, seed_seconds, bool(redis_url), log)


def _drop_queue(redis_url: str) -> None:
    """Nothing consumes the bench's notification tasks: drop them with the run."""
    import redis

    redis.Redis.from_url(redis_url).delete(
        "celery", "_kombu.binding.celery", "_kombu.binding_permanent.celery"
    )


def _rates(passes: list[Pass]) -> str:
    return ", ".join(f"{p.rate:.0f}" for p in passes)


def _statuses(outcome: Outcome) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(outcome.statuses.items())) or "none"


def _rows(bare: Outcome, full: Pass | None, passes: list[Pass], answers: dict, seed_seconds,
          redis, log) -> list:
    setup = f"{WORKERS} gunicorn sync workers, {CLIENTS} client threads, " + (
        "Redis broker" if redis else "filesystem broker"
    )
    bare_rate = bare.done / bare.seconds if bare.seconds else 0.0
    baseline_days = ENTERPRISES / APPROVALS_PER_DAY
    rows = [
        ("setup", setup, "", ""),
        ("seed (not timed in targets)",
         f"{ENTERPRISES} enterprises + filers in {seed_seconds:.0f} s", "", ""),
        ("bare insert endpoint (floor)", f"{bare_rate:.0f} inserts/s ({bare.done} in "
         f"{bare.seconds:.1f} s, {len(bare.failures)} failed)", "",
         "PASS" if not bare.failures else "FAIL"),
    ]
    if full is None:
        tail = [line for line in log.splitlines() if "Error" in line][-1:]
        missing = " and ".join(base for base, ok in answers.items() if not ok)
        rows.append(("filing APIs", f"not available (GET {missing} is not 200)"
                     + (f": {tail[0][:120]}" if tail else ""), "", "FAIL"))
        return rows
    portal = [p for p in passes if p.side == "portal"]
    peer = [p for p in passes if p.side == "peer"]
    complete = full.complete and all(p.complete for p in passes)
    ratios = [mine.rate / theirs.rate if theirs.rate else 0.0
              for mine, theirs in zip(portal, peer, strict=True)]
    ratio = common.median(ratios)
    full_rate = full.rate
    full_requests = full.outcome.requests / full.outcome.seconds if full.outcome.seconds else 0.0
    # Both sides decide alike: the same enterprises filed and rejected in every pair.
    same_decisions = all(
        mine.outcome.statuses == theirs.outcome.statuses
        for mine, theirs in zip(portal, peer, strict=True)
    )
    rows += [
        ("enterprises filed (API / database)",
         f"{full.outcome.done} / {full.decided} ({_statuses(full.outcome)})", f"{ENTERPRISES}",
         "PASS" if full.complete else "FAIL"),
        (f"time for {ENTERPRISES} enterprises to file",
         f"{full.outcome.seconds:.1f} s ({full_rate:.0f} filings/s, {full_requests:.0f} req/s)",
         f"< {MAX_SECONDS} s",
         "PASS" if full.complete and full.outcome.seconds < MAX_SECONDS else "FAIL"),
        (f"portal passes ({PASS_ENTERPRISES} enterprises each)",
         f"{_rates(portal)} filings/s (median {common.median([p.rate for p in portal]):.0f})",
         "", "PASS" if all(p.complete for p in portal) else "FAIL"),
        (f"peer passes ({PASS_ENTERPRISES} enterprises each)",
         f"{_rates(peer)} filings/s (median {common.median([p.rate for p in peer]):.0f}; "
         f"{_statuses(peer[0].outcome)})", "",
         "PASS" if all(p.complete for p in peer) and same_decisions else "FAIL"),
        ("portal filings/s ÷ peer filings/s",
         f"{ratio:.0%} (median of {len(ratios)} interleaved pairs: "
         + ", ".join(f"{r:.0%}" for r in ratios) + ")",
         f">= {MIN_PEER_RATIO:.0%}", "PASS" if complete and ratio >= MIN_PEER_RATIO else "FAIL"),
        ("portal filings/s ÷ bare inserts/s", f"{full_rate / bare_rate:.0%}"
         if bare_rate else "-", "", ""),
        ("filing requests/s ÷ bare requests/s", f"{full_requests / bare_rate:.0%}"
         if bare_rate else "-", "", ""),
    ]
    failing = next((run for run in [full, *passes] if any(run.outcome.failures)), None)
    if failing is not None:
        first = next(failure for failure in failing.outcome.failures if failure)
        rows.append((f"first failure ({failing.side})", first, "", ""))
    rows.append(("approval baseline", f"{APPROVALS_PER_DAY}/day per district: {ENTERPRISES} "
                 f"enterprises take {baseline_days:.0f} days", "", ""))
    return rows


def _main(argv: list[str]) -> int:
    if argv[:1] == ["seed"]:
        _seed(int(argv[1]), Path(argv[2]))
        return 0
    for row in run():
        print("  ".join(str(cell) for cell in row))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
