"""The nightly journal verification: anchors an intact journal, alerts inspectors otherwise."""

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.db import connection

from portal import journal, tasks
from portal.models import JournalAnchor, JournalEntry, JournalVerification, Notification
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with
from tests.portal.tampering import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    admin = user_with(Role.ADMIN)
    for _ in range(3):
        factories.enterprise(actor=admin)
    return JournalEntry.objects.order_by("-seq").first()


@pytest.fixture
def inspectors():
    return [
        user_with(Role.INSPECTOR, email="a@jw.example.cn"),
        user_with(Role.INSPECTOR, email="b@jw.example.cn"),
    ]


def test_beat_runs_it_nightly_at_half_past_two_shanghai_time():
    entry = settings.CELERY_BEAT_SCHEDULE["journal-verify"]
    assert entry["task"] == "portal.tasks.journal_verify"
    assert entry["schedule"] == crontab(hour=2, minute=30)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_intact_journal_is_recorded_and_anchored(history, inspectors,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.journal_verify.delay().get() is True
    run = JournalVerification.objects.get()
    assert (run.ok, run.trigger, run.actor, run.entries) == (True, "scheduled", None, history.seq)
    assert (run.head_seq, run.head_hash, run.first_problem, run.problems) == (
        history.seq, history.hash, "", [],
    )
    assert run.finished_at >= run.started_at
    anchor = JournalAnchor.objects.get()
    assert (anchor.seq, anchor.hash) == (history.seq, history.hash)
    assert not Notification.objects.exists() and mail.outbox == []
    event = JournalEntry.objects.order_by("-seq").first()
    assert (event.action, event.op, event.object_id) == (
        "portal.journal.verified", "event", str(run.pk),
    )
    assert journal.verify().ok  # the run's own entry keeps the chain intact


def test_tampered_journal_is_recorded_and_inspectors_are_told(
    history, inspectors, django_capture_on_commit_callbacks
):
    user_with(Role.INSPECTOR, is_active=False, email="gone@jw.example.cn")
    user_with(Role.LIAISON, email="liaison@example.cn")
    tamper("UPDATE portal_journalentry SET action = %s WHERE seq = %s", ["forged", 3])

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.journal_verify.delay().get() is False

    run = JournalVerification.objects.get()
    assert (run.ok, run.trigger) == (False, "scheduled")
    assert run.first_problem == "altered: seq 3: content does not match its hash"
    assert run.problem_count >= 1 and run.problems[0]["seq"] == 3
    assert run.entries == 2  # the chain is trusted up to the entry before the bad one
    assert not JournalAnchor.objects.exists()

    notices = Notification.objects.order_by("recipient_id")
    assert [n.recipient for n in notices] == inspectors
    for notice in notices:
        assert notice.kind == "portal.journal.verification_failed"
        assert "seq 3" in notice.body and notice.url == "/audit/integrity/"
    assert sorted(m.to[0] for m in mail.outbox) == ["a@jw.example.cn", "b@jw.example.cn"]
    assert all("seq 3" in m.body for m in mail.outbox)
    assert all(m.body.rstrip().endswith("/audit/integrity/") for m in mail.outbox)


def test_objects_changed_outside_the_services_fail_by_name(history, inspectors):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE enterprises_enterprise SET employee_count = 1")
    assert tasks.journal_verify.delay().get() is False
    run = JournalVerification.objects.get()
    assert run.first_problem.startswith("changed outside services: seq ")
    assert "enterprises.enterprise:" in run.first_problem
    assert Notification.objects.count() == len(inspectors)


def test_a_manual_run_names_who_asked(history):
    inspector = user_with(Role.INSPECTOR)
    assert tasks.journal_verify.delay(actor_id=inspector.pk).get() is True
    run = JournalVerification.objects.get()
    assert (run.trigger, run.actor) == ("manual", inspector)
    assert JournalEntry.objects.order_by("-seq").first().actor == inspector


def test_an_empty_journal_verifies_without_an_anchor():
    assert tasks.journal_verify.delay().get() is True
    run = JournalVerification.objects.get()
    assert (run.ok, run.entries, run.head_seq, run.head_hash) == (True, 0, 0, "")
    assert not JournalAnchor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_runs_outside_a_transaction_as_a_worker_does(history):
    """Without the test's wrapping transaction the verification reads one snapshot (on
    PostgreSQL a REPEATABLE READ, READ ONLY transaction) and then writes its own."""
    assert tasks.journal_verify.delay().get() is True
    run = JournalVerification.objects.get()
    assert run.ok and run.head_seq == history.seq
    assert JournalAnchor.objects.get().seq == history.seq


def test_verifications_are_listed_read_only_in_the_admin(client):
    from portal.audit import services as audit_services

    admin_user = user_with(Role.ADMIN, is_staff=True)
    audit_services.journal_verification_run(actor=admin_user, trigger="manual")
    client.force_login(admin_user)
    page = client.get("/admin/portal/journalverification/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="field-trigger"') == 1 and "手动" in html
    assert client.get("/admin/portal/journalverification/add/").status_code == 403
