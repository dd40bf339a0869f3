"""100k enterprises: `manage.py import_enterprises` against a raw PostgreSQL COPY of the same rows.

Targets: the import takes at most 5 times as long as the COPY, and at most 300 MB of memory.
Uses DATABASE_URL if set, else a dedicated database `portal_bench` on the local server.
"""

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, setup_django, truncate_registry

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
MAX_RATIO = 5
MAX_MEMORY_MB = 300
COLUMNS = (
    "credit_code", "name", "legal_representative", "industry", "district", "address",
    "contact_name", "contact_phone", "employee_count", "is_key_project", "spectrum",
)


def _rows(count: int):
    from enterprises.models import District, Industry
    from enterprises.reference import load_districts
    from enterprises.validators import credit_code_check_char

    load_districts(codes_under=("33",))
    counties = District.objects.filter(level=District.Level.COUNTY)
    districts = list(counties.values_list("code", flat=True))
    classes = Industry.objects.filter(level=Industry.Level.CLASS)
    industries = list(classes.values_list("code", flat=True))
    rng = random.Random(2020)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    for serial in range(1, count + 1):
        district = rng.choice(districts)
        body = f"91{district}{serial:08d}X"
        yield (
            body + credit_code_check_char(body),
            f"测试企业{serial}有限公司",
            rng.choice(surnames) + rng.choice(surnames) + "明",
            rng.choice(industries),
            district,
            f"浙江省某区某街道{serial % 997}号",
            rng.choice(surnames) + "先生",
            f"13{rng.randrange(10**9):09d}",
            rng.randrange(1, 5000),
            "1" if serial % 50 == 0 else "0",
            "",
        )


def _time_copy(path: Path) -> float:
    from django.db import connection, transaction

    columns = (
        "credit_code", "name", "legal_representative", "industry_id", "district_id", "address",
        "contact_name", "contact_phone", "employee_count", "is_key_project", "spectrum_id",
        "version", "created_at", "updated_at",
    )
    sql = f"COPY enterprises_enterprise ({', '.join(columns)}) FROM STDIN CSV HEADER"
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, open(path, encoding="utf-8") as f:
        cursor.copy_expert(sql, f)
    return time.perf_counter() - start


# Linux carries a parent's resident size into a child's peak at exec, so the import runs
# as the grandchild of a small interpreter: its peak is then its own.
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _time_import(path: Path, url: str) -> tuple[float, float, int, str]:
    env = {**os.environ, "DATABASE_URL": url}
    peak = path.with_suffix(".maxrss")
    start = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(peak), sys.executable, str(ROOT / "manage.py"),
         "import_enterprises", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    memory_mb = int(peak.read_text() or 0) / 1024 if peak.exists() else float("nan")
    return elapsed, memory_mb, process.returncode, process.stdout.strip()


def run() -> list[tuple]:
    url = setup_django()
    from django.db import connection
    from django.utils import timezone

    from enterprises.models import Enterprise

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "enterprises.csv"
        copy_source = Path(folder) / "enterprises-copy.csv"
        now = timezone.now().isoformat()
        with open(source, "w", encoding="utf-8", newline="") as a, \
                open(copy_source, "w", encoding="utf-8", newline="") as b:
            plain, raw = csv.writer(a), csv.writer(b)
            plain.writerow(COLUMNS)
            raw.writerow([*COLUMNS, "version", "created_at", "updated_at"])
            for row in _rows(ROWS):
                plain.writerow(row)
                raw.writerow([*row, 1, now, now])
        truncate_registry()
        copy_seconds = _time_copy(copy_source)
        copied = Enterprise.objects.count()
        truncate_registry()
        connection.close()
        import_seconds, memory_mb, code, output = _time_import(source, url)
        imported = Enterprise.objects.count()
    ratio = import_seconds / copy_seconds
    verdict = "PASS" if ratio <= MAX_RATIO else "FAIL"
    memory_verdict = "PASS" if memory_mb <= MAX_MEMORY_MB else "FAIL"
    rows_ok = "PASS" if code == 0 and copied == imported == ROWS else "FAIL"
    return [
        ("rows (copy / import)", f"{copied} / {imported} (exit {code})", f"{ROWS}", rows_ok),
        ("raw COPY", f"{copy_seconds:.2f} s", "", ""),
        ("import_enterprises", f"{import_seconds:.2f} s ({output})", "", ""),
        ("ratio import / COPY", f"{ratio:.1f}x", f"<= {MAX_RATIO}x", verdict),
        ("import peak RSS", f"{memory_mb:.0f} MB", f"<= {MAX_MEMORY_MB} MB", memory_verdict),
    ]
