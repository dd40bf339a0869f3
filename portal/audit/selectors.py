"""Reads of the audit pages: keyset pages of the journal, an object's timeline, the CSV rows
and the integrity status. Nothing here counts the whole journal."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from portal import exports
from portal.models import JournalAnchor, JournalEntry, JournalVerification

PAGE_SIZE = 50
TIMELINE_SIZE = 200
EXPORT_BATCH = 2000
SUMMARY_FIELDS = 3
SUMMARY_VALUE_LENGTH = 60

EXPORT_COLUMNS = (
    "seq", "at", "actor", "ip", "action", "object_type", "object_id", "enterprise_id", "op",
    "changes", "hash",
)


def display(value) -> str:
    """A journal value as text: strings as they are, everything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _short(text: str, length: int = SUMMARY_VALUE_LENGTH) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def summary(entry: JournalEntry) -> str:
    """One line about what an entry changed: the first few fields, before → after."""
    if entry.changes:
        parts = [
            f"{name}: {_short(display(before))} → {_short(display(after))}"
            for name, (before, after) in list(entry.changes.items())[:SUMMARY_FIELDS]
        ]
        more = len(entry.changes) - SUMMARY_FIELDS
        return "; ".join(parts) + (f"; … (+{more})" if more > 0 else "")
    if entry.op == JournalEntry.Op.EVENT and entry.data:
        return _short(display(entry.data), SUMMARY_VALUE_LENGTH * 2)
    return ""


@dataclass
class JournalPage:
    """Newest-first entries and the seqs that lead to the neighbouring pages, if any."""

    entries: list[JournalEntry]
    newer_after: int | None = None
    older_before: int | None = None


def journal_page(
    queryset: QuerySet, *, before: int | None = None, after: int | None = None,
    size: int | None = None,
) -> JournalPage:
    """A page of `queryset` by seq keyset: below `before`, or just above `after`."""
    size = size or PAGE_SIZE
    if after is not None:
        rows = list(queryset.filter(seq__gt=after).order_by("seq")[: size + 1])
        has_newer, has_older = len(rows) > size, True
        rows = rows[:size][::-1]
    else:
        ordered = queryset.order_by("-seq")
        if before is not None:
            ordered = ordered.filter(seq__lt=before)
        rows = list(ordered[: size + 1])
        has_newer, has_older = before is not None, len(rows) > size
        rows = rows[:size]
    names = enterprise_names(entry.enterprise_id for entry in rows)
    for entry in rows:
        entry.summary = summary(entry)
        entry.enterprise_name = names.get(entry.enterprise_id, "")
    return JournalPage(
        entries=rows,
        newer_after=rows[0].seq if has_newer and rows else None,
        older_before=rows[-1].seq if has_older and rows else None,
    )


def enterprise_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Current names of the enterprises on a page; deleted ones are simply absent."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    enterprise = apps.get_model(settings.PORTAL_ENTERPRISE_MODEL)
    return dict(enterprise.objects.filter(pk__in=wanted).values_list("pk", "name"))


@dataclass
class TimelineStep:
    entry: JournalEntry
    diff: list[tuple[str, str, str]]
    data: list[tuple[str, str]]


def object_timeline(
    object_type: str, object_id: str, *, after: int | None = None, size: int | None = None,
) -> tuple[list[TimelineStep], int | None]:
    """Every entry of one object in order, each with its field diff (or its data when it has
    none: a creation, a deletion, an event), and the seq to continue after, if more remain."""
    size = size or TIMELINE_SIZE
    entries = JournalEntry.objects.filter(object_type=object_type, object_id=object_id)
    if after is not None:
        entries = entries.filter(seq__gt=after)
    rows = list(entries.order_by("seq")[: size + 1])
    more = rows[size - 1].seq if len(rows) > size else None
    names = enterprise_names(entry.enterprise_id for entry in rows)
    for entry in rows:
        entry.enterprise_name = names.get(entry.enterprise_id, "")
    steps = [
        TimelineStep(
            entry=entry,
            diff=[
                (name, display(before), display(after_))
                for name, (before, after_) in sorted(entry.changes.items())
            ],
            data=[] if entry.changes else [
                (name, display(value)) for name, value in sorted(entry.data.items())
            ],
        )
        for entry in rows[:size]
    ]
    return steps, more


def head() -> JournalEntry | None:
    return JournalEntry.objects.only("seq", "at", "hash").order_by("-seq").first()


def head_seq() -> int:
    return JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@dataclass
class IntegrityStatus:
    head: JournalEntry | None
    last_anchor: JournalAnchor | None
    last_verification: JournalVerification | None
    last_intact: JournalVerification | None
    recent: list[JournalVerification]

    @property
    def unverified_entries(self) -> int:
        """Entries appended since the last verification that found the chain intact."""
        verified = self.last_intact.head_seq if self.last_intact else 0
        return max((self.head.seq if self.head else 0) - verified, 0)


def integrity_status(recent: int = 10) -> IntegrityStatus:
    runs = list(JournalVerification.objects.select_related("actor")[:recent])
    last_intact = next((run for run in runs if run.ok), None)
    if last_intact is None and runs:
        last_intact = JournalVerification.objects.filter(ok=True).first()
    return IntegrityStatus(
        head=head(),
        last_anchor=JournalAnchor.objects.order_by("-seq", "-at").first(),
        last_verification=runs[0] if runs else None,
        last_intact=last_intact,
        recent=runs,
    )


def last_verification() -> JournalVerification | None:
    return JournalVerification.objects.first()


# --- CSV export ------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer to stream."""

    def write(self, value):
        return value


def _cell(value) -> str:
    return exports.csv_cell(value)


def _export_row(seq, at, actor, ip, action, object_type, object_id, enterprise_id, op, changes,
                digest) -> list:
    return [
        seq,
        timezone.localtime(at, timezone.get_default_timezone()).isoformat(),
        _cell(actor),
        ip or "",
        _cell(action),
        _cell(object_type),
        _cell(object_id),
        "" if enterprise_id is None else enterprise_id,
        op,
        json.dumps(changes, ensure_ascii=False, sort_keys=True),
        digest,
    ]


def export_lines(queryset: QuerySet, *, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The CSV of `queryset` in seq order, read in keyset batches so memory stays flat.
    Starts with a UTF-8 byte order mark so that Excel reads the Chinese text correctly."""
    writer = exports.csv_writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    columns = ("seq", "at", "actor_label", "ip", "action", "object_type", "object_id",
               "enterprise_id", "op", "changes", "hash")
    last = 0
    while True:
        rows = list(queryset.filter(seq__gt=last).order_by("seq").values_list(*columns)[:batch])
        if not rows:
            return
        for row in rows:
            yield writer.writerow(_export_row(*row))
        last = rows[-1][0]
