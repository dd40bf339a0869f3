"""Audit actions: recording what an inspector looked at, and verifying the journal."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import journal, notifications
from portal.models import JournalAnchor, JournalVerification, User
from portal.roles import Role

OBJECT_TYPE = "portal.audit"
VIEWED = "portal.audit.viewed"
TIMELINE_VIEWED = "portal.audit.timeline_viewed"
EXPORTED = "portal.audit.exported"
VERIFIED = "portal.journal.verified"
VERIFICATION_FAILED = "portal.journal.verification_failed"
# Problems kept on a verification row; the count says how many there were in all.
KEPT_PROBLEMS = 20
# "Verify now" runs in the request up to this many entries, and is queued above it.
SYNC_VERIFY_LIMIT = 50_000


def audit_event_record(*, action: str, actor, object_id: str, data: dict):
    """Journal that `actor` looked at or exported part of the journal (one entry a request)."""
    with transaction.atomic():
        return journal.record_event(
            action=action, actor=actor, object_type=OBJECT_TYPE, object_id=object_id, data=data,
        )


@contextmanager
def _consistent_snapshot():
    """On PostgreSQL, read the whole verification from one snapshot, so reconciliation
    compares each object with its latest entry as of the same instant instead of racing
    writes that commit meanwhile. Read-only, so it blocks no writer. (SQLite would take its
    write lock for the duration instead; there the reads simply run one by one.)"""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _inspectors():
    return User.objects.filter(groups__name=Role.INSPECTOR, is_active=True).distinct()


def journal_verification_run(
    *, actor=None, trigger: str = JournalVerification.Trigger.MANUAL
) -> JournalVerification:
    """Verify the journal (chain, anchors, reconciliation) and record the outcome.

    Intact: the verified head is anchored. Failed: every active inspector is notified in the
    portal and by email, naming the first problem. The run is journaled either way.
    """
    started_at = timezone.now()
    with _consistent_snapshot():
        result = journal.verify()
    problems = result.problems
    with transaction.atomic():
        verification = JournalVerification(
            started_at=started_at,
            finished_at=timezone.now(),
            ok=result.ok,
            entries=result.entries,
            objects_reconciled=result.objects,
            head_seq=result.head_seq,
            head_hash=result.head_hash if result.entries else "",
            first_problem=str(problems[0]) if problems else "",
            problem_count=len(problems),
            problems=[
                {"kind": p.kind, "message": p.message, "seq": p.seq,
                 "object_type": p.object_type, "object_id": p.object_id}
                for p in problems[:KEPT_PROBLEMS]
            ],
            trigger=trigger,
            actor=actor,
        )
        verification.full_clean()
        verification.save()
        if result.ok and result.entries:
            # The head that was verified, not whatever was appended since.
            JournalAnchor.objects.create(seq=result.head_seq, hash=result.head_hash)
        if not result.ok:
            _notify_failure(verification)
        journal.record_event(
            action=VERIFIED if result.ok else VERIFICATION_FAILED,
            actor=actor,
            object_type="portal.journalverification",
            object_id=str(verification.pk),
            data={
                "ok": verification.ok,
                "trigger": verification.trigger,
                "entries": verification.entries,
                "head_seq": verification.head_seq,
                "first_problem": verification.first_problem,
            },
        )
    return verification


def _notify_failure(verification: JournalVerification) -> None:
    # Inspectors may each prefer a language; the portal's own (zh-hans) is the one they share.
    with translation.override(settings.LANGUAGE_CODE):
        finished = timezone.localtime(verification.finished_at).strftime("%Y-%m-%d %H:%M")
        notifications.notify(
            recipients=_inspectors(),
            kind=VERIFICATION_FAILED,
            title=_("Journal verification failed"),
            body=ngettext(
                "The verification finished at %(finished)s found %(count)d problem. "
                "First problem: %(problem)s",
                "The verification finished at %(finished)s found %(count)d problems. "
                "First problem: %(problem)s",
                verification.problem_count,
            ) % {
                "finished": finished,
                "count": verification.problem_count,
                "problem": verification.first_problem,
            },
            url=reverse("audit:integrity"),
            channels_=("email",),
        )


def journal_verification_request(*, actor) -> JournalVerification | None:
    """"Verify now": run at once on a journal small enough for a request, otherwise queue
    the task (None). The caller learns the outcome from the integrity page either way."""
    from portal import tasks

    from . import selectors

    if selectors.head_seq() <= SYNC_VERIFY_LIMIT:
        return journal_verification_run(actor=actor, trigger=JournalVerification.Trigger.MANUAL)
    tasks.journal_verify.delay_on_commit(actor_id=actor.pk)
    return None
