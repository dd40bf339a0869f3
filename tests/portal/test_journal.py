"""The journal: chain, append-only guards, verification and reconciliation (DESIGN §4)."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from enterprises import services
from enterprises.models import Enterprise
from portal import journal
from portal.models import JournalAnchor, JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with
from tests.portal.tampering import tamper
from tests.threads import join_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """Five journaled changes: create two enterprises, update one twice, create a spectrum."""
    admin = user_with(Role.ADMIN)
    first = factories.enterprise(actor=admin)
    second = factories.enterprise(actor=admin)
    services.enterprise_update(enterprise=first, actor=admin, fields={"employee_count": 300})
    services.enterprise_set_registry_facts(
        enterprise=first, actor=admin, fields={"name": "杭州新名称有限公司"}
    )
    start = JournalEntry.objects.order_by("seq").last().seq
    return {"admin": admin, "first": first, "second": second, "head": start}


def verify_fails_with(kind, seq=None):
    result = journal.verify()
    assert not result.ok
    first = result.problems[0]
    assert first.kind == kind, [str(p) for p in result.problems]
    if seq is not None:
        assert first.seq == seq
    return first


def test_services_build_an_intact_gap_free_chain(history):
    seqs = list(JournalEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    entries = list(JournalEntry.objects.all())
    assert entries[0].prev_hash == journal.GENESIS_HASH
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
        assert entry.hash == journal.entry_hash(entry)
    result = journal.verify()
    assert result.ok, [str(p) for p in result.problems]
    assert result.entries == len(seqs)
    assert result.objects >= 2


def test_update_records_field_diff_and_actor(history):
    entry = JournalEntry.objects.order_by("seq").last()
    assert entry.action == "enterprises.enterprise.updated"
    assert entry.changes == {"name": [history["first"].name, "杭州新名称有限公司"]}
    assert entry.actor == history["admin"]
    assert (
        entry.actor_label == history["admin"].username + " (" + history["admin"].display_name + ")"
    )
    assert entry.data["version"] == 3


def test_an_update_that_changes_nothing_writes_nothing(history):
    before = JournalEntry.objects.count()
    first = Enterprise.objects.get(pk=history["first"].pk)
    services.enterprise_update(enterprise=first, actor=None, fields={"employee_count": 300})
    first.refresh_from_db()
    assert first.version == 3
    assert JournalEntry.objects.count() == before


def test_model_and_queryset_refuse_update_and_delete(history):
    entry = JournalEntry.objects.first()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        JournalEntry.objects.filter(seq=1).update(action="forged")
    with pytest.raises(PermissionError):
        JournalEntry.objects.all().delete()


@pytest.mark.postgres
def test_postgres_trigger_refuses_update_and_delete(history):
    from django.db import DatabaseError

    for sql in (
        "UPDATE portal_journalentry SET action = 'forged' WHERE seq = 1",
        "DELETE FROM portal_journalentry WHERE seq = 1",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql)
    assert JournalEntry.objects.get(seq=1).action == "enterprises.district.created"


def test_modified_entry_is_named(history):
    tamper("UPDATE portal_journalentry SET action = %s WHERE seq = %s", ["forged", 3])
    verify_fails_with("altered", seq=3)


def test_modified_data_is_named(history):
    seq = history["head"] - 1
    entry = JournalEntry.objects.get(seq=seq)
    forged = dict(entry.data, employee_count=9999)
    import json

    tamper("UPDATE portal_journalentry SET data = %s WHERE seq = %s", [json.dumps(forged), seq])
    verify_fails_with("altered", seq=seq)


def test_deleted_entry_is_named(history):
    tamper("DELETE FROM portal_journalentry WHERE seq = %s", [4])
    verify_fails_with("gap", seq=4)


def test_inserted_entry_is_named(history):
    """An entry slipped in at the end with a plausible link still breaks the hash."""
    head = JournalEntry.objects.order_by("seq").last()
    tamper(
        "INSERT INTO portal_journalentry (seq, at, actor_label, request_id, action, object_type,"
        " object_id, district, op, data, changes, prev_hash, hash) VALUES"
        " (%s, %s, 'x', '', 'forged', 'enterprises.enterprise', '1', '', 'upsert', '{}', '{}',"
        " %s, %s)",
        [head.seq + 1, head.at, head.hash, "f" * 64],
    )
    verify_fails_with("altered", seq=head.seq + 1)


def test_reordered_entries_are_named(history):
    """Swapping two entries' places breaks the link at the first of them."""
    tamper("UPDATE portal_journalentry SET seq = -1 WHERE seq = 2")
    tamper("UPDATE portal_journalentry SET seq = 2 WHERE seq = 3")
    tamper("UPDATE portal_journalentry SET seq = 3 WHERE seq = -1")
    verify_fails_with("broken link", seq=2)


def test_truncated_tail_is_caught_by_the_anchor(history):
    journal.anchor()
    tamper("DELETE FROM portal_journalentry WHERE seq = %s", [history["head"]])
    problem = verify_fails_with("anchor mismatch", seq=history["head"])
    assert "anchored" in problem.message


def test_raw_sql_change_of_a_tracked_row_is_named(history):
    first = history["first"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET employee_count = 1 WHERE id = %s", [first.pk]
        )
    problem = verify_fails_with("changed outside services")
    assert (problem.object_type, problem.object_id) == ("enterprises.enterprise", str(first.pk))
    assert "employee_count" in problem.message


def test_queryset_update_and_delete_outside_services_are_named(history):
    Enterprise.objects.filter(pk=history["second"].pk).update(name="绕过服务")
    Enterprise.objects.filter(pk=history["first"].pk).delete()
    kinds = {(p.kind, p.object_id) for p in journal.verify().problems}
    assert ("changed outside services", str(history["second"].pk)) in kinds
    assert ("deleted outside services", str(history["first"].pk)) in kinds


def test_deletion_through_the_service_reconciles(history):
    services.enterprise_delete(enterprise=history["second"], actor=history["admin"])
    entry = JournalEntry.objects.order_by("seq").last()
    assert (entry.op, entry.object_id) == ("delete", str(history["second"].pk))
    assert entry.enterprise_id == history["second"].pk
    assert journal.verify().ok


def test_verify_journal_command_exit_status_and_anchor(history, capsys):
    call_command("verify_journal", "--anchor")
    out = capsys.readouterr().out
    assert "journal intact" in out
    assert JournalAnchor.objects.get().seq == history["head"]

    tamper("UPDATE portal_journalentry SET actor_label = 'someone else' WHERE seq = 2")
    with pytest.raises(CommandError) as error:
        call_command("verify_journal")
    assert error.value.returncode == 1
    assert "seq 2" in str(error.value)


@pytest.mark.django_db(transaction=True)
def test_journal_requires_the_services_transaction():
    enterprise = factories.enterprise()
    with pytest.raises(RuntimeError):
        journal.record(enterprise, action="x", actor=None)


def test_personal_data_is_masked_in_the_journal(history):
    data = JournalEntry.objects.filter(object_type="enterprises.enterprise").first().data
    assert data["contact_phone"] == "138****5678"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_seq_gap_free():
    """PostgreSQL serialises appends with an advisory lock, SQLite with IMMEDIATE
    transactions: either way the chain has no gap and verifies."""
    admin = user_with(Role.ADMIN)
    district = factories.district()
    errors = []

    def writer(n):
        try:
            for _ in range(8):
                factories.enterprise(actor=admin, district=district)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=writer, args=(n,), name=f"writer-{n}", daemon=True)
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    join_all(threads, what="journal writer")
    assert errors == []
    seqs = list(JournalEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Enterprise.objects.count() == 32
    assert journal.verify().ok


def test_events_are_chained_but_not_reconciled_or_synced(history, client_for):
    from django.db import transaction

    with transaction.atomic():
        entry = journal.record_event(
            action="portal.audit.exported", actor=history["admin"], object_type="portal.audit",
            data={"filters": {"object_type": "enterprises.enterprise"}, "rows": 2},
        )
    assert (entry.op, entry.object_type, entry.changes) == ("event", "portal.audit", {})
    assert entry.hash == journal.entry_hash(entry)
    assert journal.verify().ok
    feed = client_for(history["admin"]).get("/api/v1/changes/?after=0&limit=1000").json()
    assert entry.seq not in [row["seq"] for row in feed["results"]]
    assert feed["next_after"] == entry.seq


def test_api_representation_equals_the_journal_data(history, client_for):
    """Regression: the API printed microseconds while the journal kept milliseconds, so a
    client's synced copy never equalled what it fetched."""
    first = Enterprise.objects.get(pk=history["first"].pk)
    body = client_for(history["admin"]).get(f"/api/v1/enterprises/{first.pk}/").json()
    assert body == journal.represent(first)
    latest = JournalEntry.objects.filter(object_id=str(first.pk)).order_by("seq").last()
    assert {k: v for k, v in body.items() if k != "contact_phone"} == {
        k: v for k, v in latest.data.items() if k != "contact_phone"
    }


def test_large_whole_floats_survive_the_database_round_trip(history):
    """Regression: jsonb returned 1e16 as the integer 10000000000000000, so an entry holding
    such a float failed verification on PostgreSQL as 'altered'."""
    from django.db import transaction

    assert journal.to_json({"x": 1e16, "y": 36.5, "z": 1e-05}) == {
        "x": 10**16, "y": 36.5, "z": 1e-05,
    }
    with transaction.atomic():
        journal.record_event(
            action="portal.test.numbers", actor=None, object_type="portal.test",
            data={"big": 1e16, "bigger": 2.5e20, "small": 1e-05, "temperature": 37.3},
        )
    result = journal.verify(objects=False)
    assert result.ok, [str(p) for p in result.problems]
