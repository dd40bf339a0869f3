"""The journal: the append-only, hash-chained log of every tracked change (DESIGN §4).

Services record their changes (`record()`, `append()`) inside their unit of work
(`portal.services.unit_of_work`), which appends them last in its transaction. One log
serves both the discipline inspectors (audit, verification) and the mobile clients (the
`changes` feed), so it holds each object's API representation, personal data masked.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from json.encoder import c_make_encoder, encode_basestring
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from . import context, tracking
from .models import JournalAnchor, JournalEntry

GENESIS_HASH = "0" * 64
# Fields every object carries that move on each change; a diff of them says nothing.
_QUIET_FIELDS = frozenset({"version", "updated_at"})
# pg_advisory_xact_lock key: "JRNL" in ASCII. Serialises appends until commit.
_LOCK_KEY = 0x4A524E4C


# The registry of tracked models lives in `tracking`; these names are the journal's readers.
tracked_types = tracking.tracked_types
spec_for = tracking.spec_for


def _number(text: str):
    # jsonb keeps numbers as decimals and prints 1e16 as 10000000000000000, which reads back
    # as an int: store such whole floats as ints from the start, or the hash would change.
    number = float(text)
    return int(number) if number.is_integer() and abs(number) >= 1e16 else number


def to_json(value):
    """Normalise to plain JSON types exactly as the database will give them back."""
    encoded = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return json.loads(encoded, parse_float=_number)


def represent(obj) -> dict:
    """The object's API representation as plain JSON, unmasked."""
    return to_json(spec_for(obj).represent(obj))


def mask(obj, data: dict) -> dict:
    """A copy of `data` (a representation of `obj`) with personal fields masked."""
    masked = dict(data)
    for name, masker in spec_for(obj).masks.items():
        if name in masked:
            masked[name] = masker(masked[name])
    return masked


def snapshot(obj) -> dict:
    """The object's journal data: its API representation with personal data masked."""
    return mask(obj, represent(obj))


def diff(before: dict | None, after: dict) -> dict:
    if before is None:
        return {}
    keys = (before.keys() | after.keys()) - _QUIET_FIELDS
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(keys)
        if before.get(key) != after.get(key)
    }


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# `canonical` again, taken apart so that appends and verification need not re-sort and
# re-encode the outer object for every entry: json.dumps(..., sort_keys=True) writes a nested
# value exactly as it writes that value alone, so the bytes are the same.
# The encoder json.dumps builds on each call with these options, built once. Without the C
# encoder (another Python implementation), the same encoder through its public API.
_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
if c_make_encoder is not None:
    _c_encode = c_make_encoder(
        None, _encoder.default, encode_basestring, None, ":", ",", True, False, True
    )

    def dumps(value) -> str:
        """`value` as canonical JSON text, as `canonical` writes it inside an entry."""
        return "".join(_c_encode(value, 0))
else:  # pragma: no cover - CPython always has the C encoder
    dumps = _encoder.encode


def _text(value) -> str:
    """One scalar field as canonical JSON text."""
    cls = value.__class__
    if cls is str:
        return encode_basestring(value)
    if cls is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return dumps(value)


def _utc_text(at) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical_text(
    seq, at, actor_id, actor_label, ip, request_id, action, object_type, object_id,
    enterprise_id, district, op, data, changes, prev_hash,
) -> bytes:
    """canonical(_hashed_fields(...)) for `at` already as UTC text (`_utc_text`) and `data`
    and `changes` already as canonical JSON text (`dumps`). Keys in sorted order."""
    return (
        f'{{"action":{_text(action)},"actor_id":{_text(actor_id)},'
        f'"actor_label":{_text(actor_label)},"at":{_text(at)},"changes":{changes},'
        f'"data":{data},"district":{_text(district)},"enterprise_id":{_text(enterprise_id)},'
        f'"ip":{_text(ip)},"object_id":{_text(object_id)},"object_type":{_text(object_type)},'
        f'"op":{_text(op)},"prev_hash":{_text(prev_hash)},"request_id":{_text(request_id)},'
        f'"seq":{_text(seq)}}}'
    ).encode()


def digest(
    seq, at, actor_id, actor_label, ip, request_id, action, object_type, object_id,
    enterprise_id, district, op, data, changes, prev_hash,
) -> str:
    """The hash of an entry whose `at` is UTC text and whose `data` and `changes` are
    `dumps()` text; for bulk writers that keep that text for the row they write."""
    return hashlib.sha256(_canonical_text(
        seq, at, actor_id, actor_label, ip, request_id, action, object_type, object_id,
        enterprise_id, district, op, data, changes, prev_hash,
    )).hexdigest()


def _hashed_fields(
    seq,
    at,
    actor_id,
    actor_label,
    ip,
    request_id,
    action,
    object_type,
    object_id,
    enterprise_id,
    district,
    op,
    data,
    changes,
    prev_hash,
) -> dict:
    return {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "ip": ip,
        "request_id": request_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "enterprise_id": enterprise_id,
        "district": district,
        "op": op,
        "data": data,
        "changes": changes,
        "prev_hash": prev_hash,
    }


# The column order of _hashed_fields, as read back for verification.
HASHED_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "ip",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "enterprise_id",
    "district",
    "op",
    "data",
    "changes",
    "prev_hash",
)


def entry_hash(entry: JournalEntry) -> str:
    values = [getattr(entry, column) for column in HASHED_COLUMNS]
    values[1] = _utc_text(values[1])
    values[12] = dumps(values[12])
    values[13] = dumps(values[13])
    return digest(*values)


@dataclass
class Change:
    """One change to append: the object, what happened, and its data before (for the diff)."""

    obj: Model
    action: str
    op: str = JournalEntry.Op.UPSERT
    before: dict | None = None
    object_id: str | None = None
    data: dict | None = None
    scope: tuple[int | None, str] | None = None
    object_type: str | None = None
    actor: Any = None


def actor_label(actor) -> str:
    if actor is None:
        return "system"
    name = getattr(actor, "display_name", "") or ""
    return f"{actor.get_username()} ({name})" if name else actor.get_username()


def lock() -> None:
    """Take the append lock until the transaction ends (bulk writers that COPY entries)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    # SQLite: the transaction began IMMEDIATE and already holds the database's write lock.


def _locked_head() -> tuple[int, str] | None:
    """Take the append lock, then read the last entry's seq and hash.

    The head is read by a statement of its own after the lock is granted, so that it sees
    every entry committed before (under READ COMMITTED each statement takes a new snapshot).
    On PostgreSQL both statements go in one round trip: the lock is held that much shorter.
    """
    meta = JournalEntry._meta
    quote = connection.ops.quote_name
    head = (
        f"SELECT {quote(meta.get_field('seq').column)}, {quote(meta.get_field('hash').column)}"
        f" FROM {quote(meta.db_table)} ORDER BY 1 DESC LIMIT 1"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT pg_advisory_xact_lock(%s); {head}", [_LOCK_KEY])
        else:
            lock()
            cursor.execute(head)
        return cursor.fetchone()


class _Collector(threading.local):
    """The changes of the unit of work running on this thread (`collecting`), if any."""

    changes: list[Change] | None = None


_collector = _Collector()


@contextmanager
def collecting():
    """Hold every change recorded inside until the block ends, then append them all, last
    in the transaction: the unit of work of `portal.services.unit_of_work`. Nested blocks
    join the outermost; a nested block that fails drops what it recorded."""
    if _collector.changes is not None:
        mark = len(_collector.changes)
        try:
            yield
        except BaseException:
            del _collector.changes[mark:]
            raise
        return
    _collector.changes = []
    try:
        yield
        changes, _collector.changes = _collector.changes, None
        _write(changes)
    finally:
        _collector.changes = None


def append(changes: Sequence[Change], *, actor) -> list[JournalEntry]:
    """Append entries for `changes`, in order, inside the caller's transaction; inside a
    unit of work (`collecting`) they are held and appended when it ends (and [] returned)."""
    if not connection.in_atomic_block:
        raise RuntimeError("journal.append() must run inside the service's transaction")
    prepared = [_prepared(change, actor) for change in changes]
    if _collector.changes is not None:
        _collector.changes.extend(prepared)
        return []
    return _write(prepared)


def _prepared(change: Change, actor) -> Change:
    """`change` with everything that depends on the object now (data, id, scope) filled in,
    so that appending it later writes what the object was when it was recorded."""
    change.actor = actor
    if change.op == JournalEntry.Op.EVENT:
        change.object_id = change.object_id or ""
        return change
    spec = spec_for(change.obj)
    change.object_type = spec.object_type
    if change.data is None:
        change.data = snapshot(change.obj)
    if change.scope is None:
        change.scope = spec.scope.columns(change.obj)
    if change.object_id is None:
        change.object_id = str(change.obj.pk)
    return change


def _write(changes: list[Change]) -> list[JournalEntry]:
    if not changes:
        return []
    writer = ChainWriter()
    for change in changes:
        diff_ = {} if change.op != JournalEntry.Op.UPSERT else diff(change.before, change.data)
        writer.add(
            object_type=change.object_type, object_id=change.object_id, scope=change.scope,
            action=change.action, op=change.op, data=change.data, changes=diff_,
            actor=change.actor,
        )
    return writer.flush()


class ChainWriter:
    """Entries chained and hashed after the head, written in one go: by `append`, and by
    bulk writers (the enterprise import), which give `data` and `changes` as they are.

    Takes the append lock at once (it lasts until the transaction ends). Few entries are
    one INSERT; many are COPY on PostgreSQL (`bulk_create` elsewhere).
    """

    def __init__(self, *, at=None):
        if not connection.in_atomic_block:
            raise RuntimeError("journal entries are written inside the service's transaction")
        head = _locked_head()
        self.seq, self.prev_hash = head if head else (0, GENESIS_HASH)
        self.context = context.current()
        self.at = at or timezone.now()
        self.at_text = _utc_text(self.at)
        self.rows: list[tuple] = []
        self._actors: dict[Any, tuple[int | None, str]] = {}

    def _actor(self, actor) -> tuple[int | None, str]:
        key = actor.pk if actor is not None else None
        if key not in self._actors:
            self._actors[key] = (key, actor_label(actor))
        return self._actors[key]

    def add(self, *, object_type: str, object_id: str, scope: tuple, action: str, op: str,
            data: dict, changes: dict, actor) -> str:
        """Chain one entry; returns its hash."""
        self.seq += 1
        actor_id, label = self._actor(actor)
        enterprise_id, district = scope
        district = district or ""
        ctx = self.context
        data_text, changes_text = dumps(data), dumps(changes) if changes else "{}"
        hashed = digest(
            self.seq, self.at_text, actor_id, label, ctx.ip, ctx.request_id, action,
            object_type, object_id, enterprise_id, district, op, data_text, changes_text,
            self.prev_hash,
        )
        self.rows.append((self.seq, actor_id, label, action, object_type, object_id,
                          enterprise_id, district, op, data, changes, data_text, changes_text,
                          self.prev_hash, hashed))
        self.prev_hash = hashed
        return hashed

    def _entries(self) -> list[JournalEntry]:
        ctx = self.context
        return [
            JournalEntry(
                seq=seq, at=self.at, actor_id=actor_id, actor_label=label, ip=ctx.ip,
                request_id=ctx.request_id, action=action, object_type=object_type,
                object_id=object_id, enterprise_id=enterprise_id, district=district, op=op,
                data=data, changes=changes, prev_hash=prev_hash, hash=hashed,
            )
            for (seq, actor_id, label, action, object_type, object_id, enterprise_id,
                 district, op, data, changes, _d, _c, prev_hash, hashed) in self.rows
        ]

    def flush(self) -> list[JournalEntry]:
        """Write the entries chained so far; the written ones are returned unless COPY
        wrote them (bulk writers do not need them back)."""
        rows, count = self.rows, len(self.rows)
        if not count:
            return []
        if count <= _SMALL_APPEND:
            entries = self._entries()
            _insert(entries, [(row[11], row[12]) for row in rows])
        elif connection.vendor == "postgresql":
            self._copy()
            entries = []
        else:
            entries = self._entries()
            JournalEntry.objects.bulk_create(entries, batch_size=1000)
        self.rows = []
        return entries

    def _copy(self) -> None:
        ctx = self.context
        at = self.at.isoformat()
        ip, request_id = copy_text(ctx.ip), copy_text(ctx.request_id)
        lines = [
            f"{seq}\t{at}\t{copy_text(actor_id)}\t{copy_text(label)}\t{ip}\t{request_id}\t"
            f"{copy_text(action)}\t{copy_text(object_type)}\t{copy_text(object_id)}\t"
            f"{copy_text(enterprise_id)}\t{copy_text(district)}\t{copy_text(op)}\t"
            f"{json_cell(data_text)}\t{json_cell(changes_text)}\t{prev_hash}\t{hashed}\n"
            for (seq, actor_id, label, action, object_type, object_id, enterprise_id,
                 district, op, _data, _changes, data_text, changes_text, prev_hash,
                 hashed) in self.rows
        ]
        columns = [JournalEntry._meta.get_field(c).column for c in (*HASHED_COLUMNS, "hash")]
        copy_rows(JournalEntry._meta.db_table, columns, lines)


# --- PostgreSQL COPY text format, for bulk writers -------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text: str) -> str:
    """Text as a COPY cell."""
    # str.translate walks every character through the table; most cells need nothing.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_COPY_ESCAPES)
    return text


def json_cell(text: str) -> str:
    """JSON text as a COPY cell: it holds no raw tab or line break, only backslashes."""
    return text.replace("\\", "\\\\")


def copy_text(value: Any) -> str:
    """A scalar as a COPY cell (NULL as \\N)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return copy_escape(value)
    return str(value)


def copy_rows(table: str, columns: Iterable[str], lines: list[str]) -> None:
    if not lines:
        return
    quote = connection.ops.quote_name
    buffer = io.StringIO("".join(lines))
    sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)


# Most services append one or two entries, under the lock: those are written with one plain
# INSERT of the JSON text already made for the hash, rather than through bulk_create.
_SMALL_APPEND = 10


def _insert(entries: list[JournalEntry], texts: list[tuple[str, str]]) -> None:
    ops = connection.ops
    quote = ops.quote_name
    fields = [JournalEntry._meta.get_field(name) for name in (*HASHED_COLUMNS, "hash")]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = []
    for entry, (data_text, changes_text) in zip(entries, texts, strict=True):
        params += [
            entry.seq, ops.adapt_datetimefield_value(entry.at), entry.actor_id,
            entry.actor_label, ops.adapt_ipaddressfield_value(entry.ip), entry.request_id,
            entry.action, entry.object_type, entry.object_id, entry.enterprise_id,
            entry.district, entry.op, data_text, changes_text, entry.prev_hash, entry.hash,
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(JournalEntry._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([row] * len(entries))}",
            params,
        )
    for entry in entries:
        entry._state.adding = False
        entry._state.db = connection.alias


def record(
    obj,
    *,
    action: str,
    actor,
    op: str = JournalEntry.Op.UPSERT,
    before: dict | None = None,
    object_id: str | None = None,
    data: dict | None = None,
    scope: tuple | None = None,
) -> JournalEntry:
    """Append one entry for `obj` (held until the unit of work ends, inside one: then
    None). For a deletion pass the id, data and scope it had."""
    change = Change(obj, action, op, before, object_id, data, scope)
    entries = append([change], actor=actor)
    return entries[0] if entries else None


def record_event(*, action: str, actor, object_type: str, object_id: str = "",
                 data: dict | None = None, enterprise_id: int | None = None,
                 district: str = "") -> JournalEntry:
    """Append an entry about something that changed no tracked object (an inspector's
    search or export, say). It is chained and verified like every other entry, but it is
    no object's state: reconciliation and the sync feed pass over it."""
    change = Change(
        obj=None, action=action, op=JournalEntry.Op.EVENT, object_id=object_id,
        data=to_json(data or {}), scope=(enterprise_id, district), object_type=object_type,
    )
    entries = append([change], actor=actor)
    return entries[0] if entries else None


# --- verification -------------------------------------------------------------------------


@dataclass
class Problem:
    kind: str
    message: str
    seq: int | None = None
    object_type: str = ""
    object_id: str = ""

    def __str__(self):
        where = f"seq {self.seq}: " if self.seq is not None else ""
        if self.object_type:
            where += f"{self.object_type}:{self.object_id}: "
        return f"{self.kind}: {where}{self.message}"


@dataclass
class Verification:
    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    objects: int = 0
    problems: list[Problem] = field(default_factory=list)
    # The last seq the chain was found intact up to (the head, unless it broke before).
    verified_through: int = 0
    # Valid signed checkpoints seen, and the newest (a `portal.checkpoints.Signed`).
    checkpoints: int = 0
    checkpoint: Any = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(batch: int, after: int = 0) -> Iterator[tuple]:
    """Every entry after seq `after` in seq order, read in keyset pages so memory stays
    flat."""
    columns = (*HASHED_COLUMNS, "hash")
    while True:
        page = JournalEntry.objects.order_by("seq")
        if after:
            page = page.filter(seq__gt=after)
        rows = list(page.values_list(*columns)[:batch])
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def _digests(batch: int, after: int = 0) -> Iterator[tuple[int, str, str, str]]:
    """(seq, prev_hash, stored hash, recomputed hash) of every entry after `after`."""
    for row in _rows(batch, after):
        digest_ = hashlib.sha256(canonical(_hashed_fields(*row[:15]))).hexdigest()
        yield row[0], row[14], row[15], digest_


# On PostgreSQL the server writes `at` as the UTC text `_utc_text` makes and hands over
# `data` and `changes` as text, which json.loads reads as the ORM would; a server-side
# cursor streams the rows.
_TEXT_ROWS_SQL = """
    SELECT seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
           actor_id, actor_label, ip, request_id, action, object_type, object_id,
           enterprise_id, district, op, data::text, changes::text, prev_hash, hash
    FROM portal_journalentry WHERE seq > %s ORDER BY seq
"""


def _text_digests(batch: int, after: int = 0) -> Iterator[tuple[int, str, str, str]]:
    loads = json.loads
    sha256 = hashlib.sha256
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(_TEXT_ROWS_SQL, [after])
        while rows := cursor.fetchmany(batch):
            for (seq, at, actor_id, actor_label, ip, request_id, action, object_type, object_id,
                 enterprise_id, district, op, data, changes, prev_hash, stored) in rows:
                text = _canonical_text(
                    seq, at, actor_id, actor_label, ip, request_id, action, object_type,
                    object_id, enterprise_id, district, op, dumps(loads(data)),
                    "{}" if changes == "{}" else dumps(loads(changes)), prev_hash,
                )
                yield seq, prev_hash, stored, sha256(text).hexdigest()


def verify_chain(
    result: Verification, *, batch: int = 5000, start: tuple[int, str] | None = None
) -> None:
    """Walk the chain; stop at the first entry that is out of place or altered.

    From `start` (seq, hash), an entry a signed checkpoint vouches for, only the chain from
    it on is walked: that entry must still hold that hash and content, and what follows
    must link to it (how a checkpoint is signed after the previous one).
    """
    fast = connection.vendor == "postgresql"
    after = start[0] - 1 if start else 0
    digests = (_text_digests if fast else _digests)(batch, after)
    with closing(digests):
        _walk(result, digests, fast, start)


def _walk(result: Verification, digests, fast: bool, start=None) -> None:
    expected_seq, prev_hash = (start[0], None) if start else (1, GENESIS_HASH)
    result.verified_through = expected_seq - 1
    for seq, linked, stored_hash, recomputed in digests:
        if seq != expected_seq:
            kind = "gap" if seq > expected_seq else "reordered"
            result.problems.append(
                Problem(kind, f"expected seq {expected_seq}, found {seq}", seq=expected_seq)
            )
            return
        if prev_hash is None:  # the checkpointed entry: its own hash is the one signed
            if stored_hash != start[1]:
                result.problems.append(Problem(
                    "checkpoint mismatch",
                    "the entry no longer holds the hash its newest checkpoint signed",
                    seq=seq,
                ))
                return
        elif linked != prev_hash:
            result.problems.append(
                Problem("broken link", "prev_hash does not match the previous entry", seq=seq)
            )
            return
        # A mismatch on the fast path is confirmed through the ORM, so that only the
        # definition (`entry_hash`) ever names an entry altered.
        if recomputed != stored_hash and (
            not fast or entry_hash(JournalEntry.objects.get(seq=seq)) != stored_hash
        ):
            result.problems.append(Problem("altered", "content does not match its hash", seq=seq))
            return
        prev_hash = stored_hash
        expected_seq += 1
        result.entries += 1
        result.verified_through = seq
    if start and prev_hash is None:
        result.problems.append(Problem(
            "truncated", f"the journal ends before seq {start[0]}, which a checkpoint signed",
            seq=start[0],
        ))
        return
    result.head_seq = expected_seq - 1
    result.head_hash = prev_hash


def verify_anchors(result: Verification) -> None:
    """Every recorded head must still be in the chain with the same hash."""
    anchors = list(JournalAnchor.objects.order_by("seq").values_list("seq", "hash"))
    stored = dict(
        JournalEntry.objects.filter(seq__in=[seq for seq, _h in anchors]).values_list("seq", "hash")
    )
    for seq, digest in anchors:
        if stored.get(seq) != digest:
            result.problems.append(
                Problem("anchor mismatch", "the chain no longer holds an anchored head", seq=seq)
            )
            return


def _latest_entries(object_type: str) -> dict[str, tuple[int, str, dict]]:
    last = (
        JournalEntry.objects.filter(object_type=object_type)
        .values("object_id")
        .annotate(last=Max("seq"))
        .values_list("last", flat=True)
    )
    rows = JournalEntry.objects.filter(seq__in=last).values_list("object_id", "seq", "op", "data")
    return {object_id: (seq, op, data) for object_id, seq, op, data in rows.iterator(2000)}


def reconcile(result: Verification) -> None:
    """Each tracked object as it is now must equal its latest entry's data.

    Fields added to a representation after an entry was written are not compared, so a
    new API field does not turn the whole history red.
    """
    for object_type, spec in sorted(tracked_types().items()):
        latest = _latest_entries(object_type)
        for obj in spec.objects().iterator(chunk_size=2000):
            result.objects += 1
            key = str(obj.pk)
            entry = latest.pop(key, None)
            if entry is None:
                result.problems.append(
                    Problem(
                        "unjournaled",
                        "exists but was never journaled",
                        object_type=object_type,
                        object_id=key,
                    )
                )
                continue
            seq, op, data = entry
            if op == JournalEntry.Op.DELETE:
                result.problems.append(
                    Problem(
                        "reappeared",
                        "journaled as deleted but exists",
                        seq=seq,
                        object_type=object_type,
                        object_id=key,
                    )
                )
                continue
            now = snapshot(obj)
            changed = sorted(k for k in data.keys() & now.keys() if data[k] != now[k])
            if changed:
                result.problems.append(
                    Problem(
                        "changed outside services",
                        "differs from its latest entry in " + ", ".join(changed),
                        seq=seq,
                        object_type=object_type,
                        object_id=key,
                    )
                )
        for key, (seq, op, _data) in sorted(latest.items()):
            if op != JournalEntry.Op.DELETE:
                result.problems.append(
                    Problem(
                        "deleted outside services",
                        "journaled but no longer exists",
                        seq=seq,
                        object_type=object_type,
                        object_id=key,
                    )
                )


def verify(
    *, objects: bool = True, checkpoints: Iterable = (),
    public_keys: Iterable[str] | None = None,
) -> Verification:
    """The chain, the anchors, the signed checkpoints (the table's and `checkpoints` kept
    in files, against `public_keys` when given, else the configured ones) and, with
    `objects`, reconciliation of every tracked object."""
    from . import checkpoints as signed

    result = Verification()
    verify_chain(result)
    verify_anchors(result)
    signed.verify_checkpoints(result, kept=checkpoints, public_keys=public_keys)
    if objects:
        reconcile(result)
    return result


@transaction.atomic
def anchor() -> JournalAnchor | None:
    """Record the current head outside the journal table."""
    head = JournalEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return None
    return JournalAnchor.objects.create(seq=head[0], hash=head[1])
