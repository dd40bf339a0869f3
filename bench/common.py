"""Helpers the benchmarks share: the bench database, fast journal filling, a gunicorn server."""

import hashlib
import os
import random
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"


def setup_django() -> str:
    """Configure Django on DATABASE_URL (default: the `portal_bench` database, created if
    missing), migrate it, and return the URL."""
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("PORTAL_TESTING", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    if not config["ENGINE"].endswith("postgresql"):
        raise RuntimeError("this benchmark needs PostgreSQL (DATABASE_URL)")
    admin = psycopg2.connect(
        dbname="postgres", user=config["USER"], password=config["PASSWORD"] or None,
        host=config["HOST"], port=config["PORT"] or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def truncate_registry() -> None:
    """Empty the enterprises and the journal."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # The benchmarks' own database: the journal's TRUNCATE guard is lifted for this
        # transaction only (the row triggers do not fire on TRUNCATE).
        cursor.execute("ALTER TABLE portal_journalentry DISABLE TRIGGER portal_journal_no_truncate")
        cursor.execute("TRUNCATE enterprises_enterprise, portal_journalentry, "
                       "portal_journalanchor, portal_journalcheckpoint RESTART IDENTITY CASCADE")
        cursor.execute("ALTER TABLE portal_journalentry ENABLE TRIGGER portal_journal_no_truncate")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --- a long journal, fast -------------------------------------------------------------------


def extend_journal(count: int, *, keep_canonical: bool = False, chunk: int = 50_000) -> list:
    """Append `count` entries about made-up enterprises after the journal's head, hashed as
    `journal.append` hashes them and written with COPY. Most are creations, one in ten an
    update with a field diff. Returns the canonical bytes of each entry if asked."""
    from django.db import connection, transaction
    from django.utils import timezone

    from portal import journal
    from portal.models import JournalEntry

    rng = random.Random(1)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    canonicals = []
    columns = [JournalEntry._meta.get_field(c).column for c in (*journal.HASHED_COLUMNS, "hash")]
    with transaction.atomic():
        journal.lock()
        head = JournalEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = head if head else (0, journal.GENESIS_HASH)
        at = timezone.now()
        at_text = journal._utc_text(at)
        at_copy = at.isoformat()
        stamp = journal.to_json(at)
        lines = []
        for n in range(count):
            seq += 1
            pk = 10_000_000 + seq
            version = 1 if n % 10 != 9 else 2
            data = {
                "credit_code": f"91330102{seq:09d}X", "name": f"基准企业{seq}有限公司",
                "legal_representative": rng.choice(surnames) + rng.choice(surnames) + "明",
                "industry": "C1311", "district": "330102",
                "address": f"浙江省某区某街道{seq % 997}号",
                "contact_name": rng.choice(surnames) + "先生", "contact_phone": "138****5678",
                "employee_count": rng.randrange(1, 5000), "is_key_project": seq % 50 == 0,
                "spectrum": None, "id": pk, "version": version, "updated_at": stamp,
                "created_at": stamp,
            }
            if version == 1:
                action, changes = "enterprises.enterprise.imported", {}
            else:
                action = "enterprises.enterprise.updated"
                changes = {"employee_count": [data["employee_count"] + 1, data["employee_count"]]}
            data_text, changes_text = journal.dumps(data), journal.dumps(changes)
            text = journal._canonical_text(
                seq, at_text, None, "system", None, "", action, "enterprises.enterprise",
                str(pk), pk, "330102", "upsert", data_text, changes_text, prev_hash,
            )
            digest = hashlib.sha256(text).hexdigest()
            if keep_canonical:
                canonicals.append(text)
            lines.append(
                f"{seq}\t{at_copy}\t\\N\tsystem\t\\N\t\t{action}\tenterprises.enterprise\t{pk}\t"
                f"{journal.copy_text(pk)}\t330102\tupsert\t{journal.json_cell(data_text)}\t"
                f"{journal.json_cell(changes_text)}\t{prev_hash}\t{digest}\n"
            )
            prev_hash = digest
            if len(lines) >= chunk:
                journal.copy_rows(JournalEntry._meta.db_table, columns, lines)
                lines = []
        journal.copy_rows(JournalEntry._meta.db_table, columns, lines)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE portal_journalentry")
    return canonicals


# --- a real HTTP server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(*, settings: str, database_url: str, var_dir: Path,
                   workers: int = 1) -> tuple[subprocess.Popen, int]:
    """gunicorn with production settings (DEBUG off) on a free port, once it answers."""
    port = free_port()
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PORTAL_TESTING", "DJANGO_DEBUG"}
    }
    env.update(
        DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE=settings,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=secrets.token_urlsafe(32), SECURE_SSL_REDIRECT="0",
        PORTAL_VAR_DIR=str(var_dir), EMAIL_URL="console://", LOG_LEVEL="WARNING",
    )
    log = var_dir / "gunicorn.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "portal.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "300",
         "--error-logfile", str(log)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process, port
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
