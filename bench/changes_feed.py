"""The sync feed over HTTP: a full first sync of 100k enterprises, and a page deep in 1M entries.

Targets: a full sync through `/api/v1/changes/?limit=1000` moves rows at 60 % or more of the
rate of a raw `.values()` JSON dump of the enterprises in pages of 1000 from the same
gunicorn server; a page at `after` near the head of a 1M-entry journal takes at most twice as
long as the first page (medians). An admin's token, one connection, one worker.

Both sides are warmed up first, then timed page by page in turn (a feed page, a raw page, ...)
over ROUNDS full passes each, and compared by their median pass, so that a burst of other load
on the machine skews neither side alone.
"""

import http.client
import json
import os
import tempfile
import time
from pathlib import Path

from bench import common

ENTERPRISES = int(os.environ.get("BENCH_FEED_ENTERPRISES", "100000"))
JOURNAL = int(os.environ.get("BENCH_FEED_JOURNAL", "1000000"))
LIMIT = 1000
MIN_RATE = 0.6
MAX_DEEP = 2.0
REPEAT = 7
ROUNDS = 5


class Client:
    def __init__(self, port: int, token: str = ""):
        self.port = port
        self.headers = {"Authorization": f"Token {token}"} if token else {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def get(self, path: str):
        for attempt in (1, 2):
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()  # gunicorn's sync worker closed the kept-alive socket
                if attempt == 2:
                    raise
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return json.loads(body)


def _populate() -> str:
    from django.contrib.auth.models import Group
    from django.db import transaction

    from bench.import_enterprises import COLUMNS, _rows
    from enterprises.imports import enterprise_import
    from enterprises.reference import load_districts
    from portal import tokens
    from portal.models import User
    from portal.roles import Role

    common.truncate_registry()
    # Before the import reads the valid codes (`_rows` would only load them lazily).
    load_districts(codes_under=("33",))
    result = enterprise_import(
        rows=(dict(zip(COLUMNS, row, strict=True)) for row in _rows(ENTERPRISES)), actor=None
    )
    if not result.ok or result.created != ENTERPRISES:
        raise RuntimeError(f"import failed: {result.errors[:3]}")
    with transaction.atomic():
        admin, _created = User.objects.get_or_create(username="bench-feed-admin")
        admin.groups.add(Group.objects.get(name=Role.ADMIN))
        key = tokens.issue(admin)
    return key


def _full_sync(client: Client):
    """One full sync, a page per step (a generator); returns (seconds, rows, upserts)."""
    rows = upserts = 0
    after = 0
    seconds = 0.0
    while True:
        start = time.perf_counter()
        page = client.get(f"/api/v1/changes/?after={after}&limit={LIMIT}")
        rows += len(page["results"])
        upserts += sum(1 for row in page["results"] if row["type"] == "enterprises.enterprise")
        after = page["next_after"]
        seconds += time.perf_counter() - start
        if not page["has_more"]:
            return seconds, rows, upserts
        yield


def _raw_dump(client: Client):
    """One full dump, a page per step (a generator); returns (seconds, rows)."""
    rows = 0
    after = 0
    seconds = 0.0
    while True:
        start = time.perf_counter()
        page = client.get(f"/bench/raw-enterprises/?after={after}&limit={LIMIT}")
        if page:
            rows += len(page)
            after = page[-1]["id"]
        seconds += time.perf_counter() - start
        if not page:
            return seconds, rows
        yield


def _interleaved(*passes) -> list:
    """Run the passes a page of each in turn, so that load from elsewhere on the machine
    falls on all of them alike; their results in order."""
    results = [None] * len(passes)
    pending = dict(enumerate(passes))
    while pending:
        for index, steps in list(pending.items()):
            try:
                next(steps)
            except StopIteration as done:
                results[index] = done.value
                del pending[index]
    return results


def _page_seconds(client: Client, after: int) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        page = client.get(f"/api/v1/changes/?after={after}&limit={LIMIT}")
        times.append(time.perf_counter() - start)
        if len(page["results"]) != LIMIT:
            raise RuntimeError(f"page after {after} has {len(page['results'])} rows")
    return common.median(times)


def run() -> list[tuple]:
    url = common.setup_django()
    from django.db import connection

    from portal.models import JournalEntry

    token = _populate()
    head = JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    connection.close()
    with tempfile.TemporaryDirectory() as folder:
        server, port = common.start_gunicorn(
            settings="bench._changes_settings", database_url=url, var_dir=Path(folder)
        )
        try:
            feed, raw = Client(port, token), Client(port)
            feed.get(f"/api/v1/changes/?after=0&limit={LIMIT}")  # warm the worker
            raw.get(f"/bench/raw-enterprises/?after=0&limit={LIMIT}")
            syncs, dumps = [], []
            for round_ in range(ROUNDS):
                if round_ % 2:
                    dump, sync = _interleaved(_raw_dump(raw), _full_sync(feed))
                else:
                    sync, dump = _interleaved(_full_sync(feed), _raw_dump(raw))
                syncs.append(sync)
                dumps.append(dump)
            counts = {(rows, upserts, dumped) for (_, rows, upserts), (_, dumped) in zip(
                syncs, dumps, strict=True
            )}
            if len(counts) != 1:
                raise RuntimeError(f"passes moved different rows: {sorted(counts)}")
            (synced, upserts, dumped), = counts
            sync_seconds = common.median([seconds for seconds, _, _ in syncs])
            raw_seconds = common.median([seconds for seconds, _ in dumps])

            common.extend_journal(JOURNAL - head)
            total = JournalEntry.objects.count()
            connection.close()
            first = _page_seconds(feed, 0)
            deep_after = total - LIMIT
            deep = _page_seconds(feed, deep_after)
        finally:
            common.stop(server)
    sync_rate, raw_rate = synced / sync_seconds, dumped / raw_seconds
    rate = sync_rate / raw_rate
    return [
        ("enterprises (synced / dumped)", f"{upserts} / {dumped} ({synced} entries)",
         f"{ENTERPRISES}", "PASS" if upserts == dumped == ENTERPRISES else "FAIL"),
        (f"full sync /changes/ (median of {ROUNDS})",
         f"{sync_seconds:.2f} s, {sync_rate:,.0f} rows/s", "", ""),
        (f"raw .values() dump (median of {ROUNDS})",
         f"{raw_seconds:.2f} s, {raw_rate:,.0f} rows/s", "", ""),
        ("passes (sync / raw)", " ".join(
            f"{sync[0]:.2f}/{dump[0]:.2f}" for sync, dump in zip(syncs, dumps, strict=True)
        ) + " s", "", ""),
        ("sync rate / raw rate", f"{rate:.0%}", f">= {MIN_RATE:.0%}",
         "PASS" if rate >= MIN_RATE else "FAIL"),
        ("journal entries", f"{total}", f"{JOURNAL}", "PASS" if total >= JOURNAL else "FAIL"),
        ("first page (after=0)", f"{first * 1000:.1f} ms", "", ""),
        (f"deep page (after={deep_after})", f"{deep * 1000:.1f} ms", "", ""),
        ("deep / first", f"{deep / first:.2f}x", f"<= {MAX_DEEP:g}x",
         "PASS" if deep / first <= MAX_DEEP else "FAIL"),
    ]
