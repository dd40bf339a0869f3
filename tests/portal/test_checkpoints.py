"""Signed checkpoints of the journal against someone with write access to the database
(DESIGN §4): on PostgreSQL the tests play a superuser who disables the append-only triggers,
rewrites, forges and deletes, and recomputes every hash; each attack up to the newest
checkpoint is caught and named."""

import base64
import json
import logging
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from enterprises import services
from portal import checkpoints, journal, tasks
from portal.audit import services as audit_services
from portal.models import JournalAnchor, JournalCheckpoint, JournalEntry, Notification
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with
from tests.portal.tampering import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(settings):
    """A signing key of this test's own, from the environment as production takes it."""
    private = Ed25519PrivateKey.generate()
    settings.JOURNAL_SIGNING_KEY = checkpoints.private_text(private)
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    settings.JOURNAL_VERIFY_KEYS = []
    return private


@pytest.fixture
def inspector():
    return user_with(Role.INSPECTOR, email="jw@example.cn")


@pytest.fixture
def history(key, inspector):
    """A few journaled changes by an administrator."""
    admin = user_with(Role.ADMIN)
    first = factories.enterprise(actor=admin)
    factories.enterprise(actor=admin)
    services.enterprise_update(enterprise=first, actor=admin, fields={"employee_count": 300})
    return {"admin": admin, "first": first}


def more_history(history, count: int = 2) -> None:
    for n in range(count):
        services.enterprise_update(
            enterprise=type(history["first"]).objects.get(pk=history["first"].pk),
            actor=history["admin"], fields={"employee_count": 400 + n},
        )


def head() -> JournalEntry:
    return JournalEntry.objects.order_by("-seq").first()


def problems(result=None) -> list[tuple[str, int | None]]:
    result = result or journal.verify()
    return [(p.kind, p.seq) for p in result.problems]


def rechain(changes: dict[int, dict]) -> None:
    """As a database superuser: change the entries `changes` names (seq → fields), then
    recompute every hash from the first of them on, and the anchors, so that the chain and
    the anchors verify again."""
    first = min(changes)
    prev_hash = None
    for entry in JournalEntry.objects.filter(seq__gte=first).order_by("seq"):
        fields = dict(changes.get(entry.seq, {}))
        for name, value in fields.items():
            setattr(entry, name, value)
        if prev_hash is not None:
            entry.prev_hash = prev_hash
        entry.hash = journal.entry_hash(entry)
        fields.update(prev_hash=entry.prev_hash, hash=entry.hash)
        columns = ", ".join(f"{JournalEntry._meta.get_field(name).column} = %s" for name in fields)
        tamper(f"UPDATE portal_journalentry SET {columns} WHERE seq = %s",
               [*fields.values(), entry.seq])
        prev_hash = entry.hash
        JournalAnchor.objects.filter(seq=entry.seq).update(hash=entry.hash)


def forge_append(count: int) -> list[int]:
    """As a database superuser: append `count` made-up entries after the head, each linked
    and hashed exactly as the portal would."""
    last = head()
    seqs = []
    for _ in range(count):
        entry = JournalEntry(
            seq=last.seq + 1, at=last.at, actor_id=None, actor_label="system", ip=None,
            request_id="", action="enterprises.enterprise.updated",
            object_type="portal.forged", object_id="1", enterprise_id=None, district="",
            op=JournalEntry.Op.EVENT, data={"forged": True}, changes={}, prev_hash=last.hash,
        )
        entry.hash = journal.entry_hash(entry)
        tamper(
            "INSERT INTO portal_journalentry (seq, at, actor_label, request_id, action,"
            " object_type, object_id, district, op, data, changes, prev_hash, hash)"
            " VALUES (%s, %s, %s, '', %s, %s, %s, '', %s, %s, '{}', %s, %s)",
            [entry.seq, entry.at, entry.actor_label, entry.action, entry.object_type,
             entry.object_id, entry.op, json.dumps(entry.data), entry.prev_hash, entry.hash],
        )
        seqs.append(entry.seq)
        last = entry
    return seqs


# --- what a database superuser can no longer do unseen ---------------------------------------


def test_a_rechained_rewrite_verifies_as_a_chain_but_not_against_the_checkpoint(history):
    """Regression: an entry's actor rewritten, every later hash recomputed and the anchor
    updated: `verify_journal` said "intact"."""
    journal.anchor()
    checkpoint = checkpoints.checkpoint_create()
    more_history(history)
    journal.anchor()
    other = user_with(Role.ADMIN, username="scapegoat")
    rechain({3: {"actor_id": other.pk, "actor_label": "scapegoat"}})

    chain = journal.Verification()
    journal.verify_chain(chain)
    journal.verify_anchors(chain)
    assert chain.ok  # the hash chain and the anchors alone are fooled
    result = journal.verify()
    assert problems(result) == [("checkpoint mismatch", checkpoint.seq)]
    message = result.problems[0].message
    assert f"checkpoint {checkpoint.pk}" in message
    assert f"after seq 0 and up to {checkpoint.seq}" in message


def test_the_rewrite_is_located_between_the_checkpoints_around_it(history):
    first = checkpoints.checkpoint_create()
    more_history(history, 3)
    second = checkpoints.checkpoint_create()
    more_history(history)
    third = checkpoints.checkpoint_create()
    rechain({first.seq + 2: {"actor_label": "someone else"}})

    result = journal.verify()
    assert problems(result) == [("checkpoint mismatch", second.seq)]
    message = result.problems[0].message
    assert f"after seq {first.seq} and up to {second.seq}" in message
    assert "1 later checkpoint(s) no longer match" in message
    assert third.seq > second.seq


def test_forged_entries_in_place_of_a_signed_tail_are_caught(history):
    """Regression: the tail deleted and forged, correctly hashed entries appended in its
    place passed verification."""
    checkpoint = checkpoints.checkpoint_create()
    tamper("DELETE FROM portal_journalentry WHERE seq >= %s", [checkpoint.seq - 1])
    forged = forge_append(3)
    assert forged[0] == checkpoint.seq - 1

    chain = journal.Verification()
    journal.verify_chain(chain)
    assert chain.ok
    assert problems()[0] == ("checkpoint mismatch", checkpoint.seq)
    # and the portal will not sign the forged chain either
    with pytest.raises(checkpoints.CheckpointRefused) as refused:
        checkpoints.checkpoint_create()
    assert refused.value.problem.seq == checkpoint.seq
    assert JournalCheckpoint.objects.count() == 1


def test_a_truncated_tail_is_caught_even_with_the_anchors_gone(history):
    """Regression: the newest entries deleted (and the anchor rows with them) passed."""
    journal.anchor()
    more_history(history)
    checkpoint = checkpoints.checkpoint_create()
    tamper("DELETE FROM portal_journalentry WHERE seq > %s", [checkpoint.seq - 3])
    JournalAnchor.objects.all().delete()

    result = journal.verify(objects=False)
    assert problems(result) == [("truncated", checkpoint.seq - 2)]
    message = result.problems[0].message
    assert f"ends at seq {checkpoint.seq - 3}" in message
    assert f"entries {checkpoint.seq - 2}–{checkpoint.seq} are gone" in message


def test_truncate_is_refused_by_a_trigger(history, on_postgres):
    before = JournalEntry.objects.count()
    for sql in ("TRUNCATE portal_journalentry", "TRUNCATE portal_journalentry CASCADE"):
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
    assert JournalEntry.objects.count() == before


def test_truncate_after_dropping_the_trigger_is_caught(history, on_postgres):
    checkpoint = checkpoints.checkpoint_create()
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("DROP TRIGGER portal_journal_no_truncate ON portal_journalentry")
        cursor.execute("TRUNCATE portal_journalentry")
    assert not JournalEntry.objects.exists()

    result = journal.verify(objects=False)
    assert problems(result) == [("truncated", 1)]
    assert f"ends at seq 0, but checkpoint {checkpoint.pk}" in result.problems[0].message


@pytest.mark.django_db(transaction=True)
def test_flush_meets_the_truncate_guard_outside_the_test_suite(history, on_postgres):
    """`flush` empties the test database after each transactional test; anywhere else it
    is refused on PostgreSQL, as every erasure of the journal is."""
    with override_settings(TESTING=False), pytest.raises(CommandError) as error:
        call_command("flush", interactive=False, verbosity=0)
    assert "append-only: TRUNCATE refused" in str(error.value.__cause__)
    assert JournalEntry.objects.exists()


def test_an_edited_anchor_row_is_caught(history):
    anchor = journal.anchor()
    JournalAnchor.objects.filter(pk=anchor.pk).update(hash="f" * 64)
    assert problems(journal.verify(objects=False)) == [("anchor mismatch", anchor.seq)]


def test_an_edited_or_forged_checkpoint_row_fails_its_signature(history):
    checkpoint = checkpoints.checkpoint_create()
    more_history(history)
    newer = head()
    # The attacker moves the checkpoint to a head of their choosing, and adds one.
    JournalCheckpoint.objects.filter(pk=checkpoint.pk).update(seq=newer.seq, hash=newer.hash)
    forged = JournalCheckpoint.objects.create(
        seq=newer.seq, hash=newer.hash, signed_at=checkpoint.signed_at, key_id=checkpoint.key_id,
        signature=base64.b64encode(b"x" * 64).decode(), trigger="manual",
    )
    result = journal.verify(objects=False)
    kinds = problems(result)
    assert ("checkpoint invalid", newer.seq) in kinds
    named = " ".join(p.message for p in result.problems if p.kind == "checkpoint invalid")
    assert f"checkpoint {checkpoint.pk}" in named and f"checkpoint {forged.pk}" in named
    # the journal still records where the real checkpoint was signed
    assert ("checkpoint missing", checkpoint.seq) in kinds


def test_deleted_checkpoint_rows_are_caught_by_the_journal_and_by_a_kept_file(history, tmp_path):
    checkpoint = checkpoints.checkpoint_create()
    kept = tmp_path / checkpoints.file_name(checkpoint)
    kept.write_text(checkpoints.file_text(checkpoint))
    more_history(history)
    rechain({2: {"actor_label": "someone else"}})
    JournalCheckpoint.objects.all().delete()

    # The journal's own entry for the checkpoint still names it, and the portal will not
    # sign over the rewrite from an older checkpoint (here: none).
    assert problems(journal.verify(objects=False)) == [("checkpoint missing", checkpoint.seq)]
    with pytest.raises(checkpoints.CheckpointRefused, match="checkpoint missing"):
        checkpoints.checkpoint_create()

    # Had the attacker rewritten that entry too, only the kept file would show it.
    rechain({checkpoint.seq: {"action": "portal.audit.viewed"}})
    assert journal.verify(objects=False).ok
    result = journal.verify(objects=False, checkpoints=checkpoints.load_file(kept))
    assert problems(result) == [
        ("checkpoint missing", checkpoint.seq), ("checkpoint mismatch", checkpoint.seq),
    ]
    assert kept.name in result.problems[0].message
    with pytest.raises(CommandError) as error:
        call_command("verify_journal", "--chain-only", "--checkpoint", str(kept))
    assert error.value.returncode == 1
    assert f"seq {checkpoint.seq}" in str(error.value) and kept.name in str(error.value)


def test_a_checkpoint_signed_with_another_key_is_not_trusted(history, tmp_path):
    """An attacker who makes a key of their own can sign, but not with the portal's key."""
    own = Ed25519PrivateKey.generate()
    attacker = checkpoints.SigningKey(own, "attacker")
    top = head()
    signed_at = top.at
    forged = {
        "format": checkpoints.FORMAT, "seq": top.seq, "hash": top.hash,
        "signed_at": journal._utc_text(signed_at), "key_id": attacker.key_id,
        "signature": checkpoints.sign(attacker, seq=top.seq, hash_=top.hash,
                                      signed_at=signed_at),
    }
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    result = journal.verify(objects=False, checkpoints=checkpoints.load_file(path))
    assert problems(result) == [("checkpoint invalid", top.seq)]
    assert "not a trusted key" in result.problems[0].message
    # Trusted explicitly, the same file verifies: the key decides, not the file.
    trusted = journal.verify(objects=False, checkpoints=checkpoints.load_file(path),
                             public_keys=[checkpoints.public_text(own.public_key())])
    assert ("checkpoint missing", top.seq) in problems(trusted)  # not in the table, though


def test_the_nightly_verification_reports_a_rechained_journal(history, inspector,
                                                             django_capture_on_commit_callbacks):
    checkpoint = checkpoints.checkpoint_create()
    rechain({2: {"actor_label": "someone else"}})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = audit_services.journal_verification_run()
    assert not run.ok
    assert run.first_problem.startswith(f"checkpoint mismatch: seq {checkpoint.seq}")
    assert any("checkpoint mismatch" in m.body for m in mail.outbox)


# --- signing, publishing, files ----------------------------------------------------------------


def test_a_checkpoint_signs_the_head_and_is_sent_to_the_inspectors(
    history, inspector, django_capture_on_commit_callbacks
):
    absent = user_with(Role.INSPECTOR, is_active=False)
    before = head()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = checkpoints.checkpoint_create(actor=history["admin"])
    entry = head()
    assert (entry.seq, entry.action, entry.actor) == (
        before.seq + 1, checkpoints.SIGNED, history["admin"])
    assert (checkpoint.seq, checkpoint.hash) == (entry.seq, entry.hash)
    assert checkpoint.key_id == checkpoints.key_id(checkpoints.signing_key().public)
    assert checkpoints.signature_problem(
        checkpoints.Signed.of(checkpoint), checkpoints.trusted_keys()) is None

    note = Notification.objects.get(kind=checkpoints.SIGNED)
    assert note.recipient == inspector and not Notification.objects.filter(recipient=absent)
    assert str(checkpoint.seq) in note.title and checkpoint.hash in note.body
    assert note.url == f"/audit/checkpoints/{checkpoint.pk}.json"
    [email] = mail.outbox
    assert email.to == [inspector.email] and checkpoint.hash in email.body
    # The email carries the signed document: saved as a file, it verifies.
    document = email.body[email.body.index('{"format"'):].split("\n")[0]
    kept = checkpoints.load(document, source="email")
    assert [c.identity for c in kept] == [checkpoints.Signed.of(checkpoint).identity]
    assert journal.verify(checkpoints=kept).ok


def test_the_schedule_signs_only_when_the_journal_grew(history, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["journal-checkpoint"]
    assert entry == {"task": "portal.tasks.journal_checkpoint",
                     "schedule": settings.JOURNAL_CHECKPOINT_MINUTES * 60.0}
    first = tasks.journal_checkpoint.delay().get()
    assert first == head().seq
    assert tasks.journal_checkpoint.delay().get() is None
    assert JournalCheckpoint.objects.count() == 1
    more_history(history, 1)
    second = tasks.journal_checkpoint.delay().get()
    assert second == head().seq > first
    assert list(JournalCheckpoint.objects.values_list("trigger", flat=True)) == [
        "scheduled", "scheduled"]


def test_signing_refuses_a_journal_broken_since_the_newest_checkpoint(
    history, inspector, django_capture_on_commit_callbacks
):
    checkpoints.checkpoint_create()
    more_history(history)
    broken = head().seq
    tamper("UPDATE portal_journalentry SET actor_label = 'forged' WHERE seq = %s", [broken])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            with pytest.raises(checkpoints.CheckpointRefused) as refused:
                checkpoints.checkpoint_create()
            assert (refused.value.problem.kind, refused.value.problem.seq) == ("altered", broken)
    assert JournalCheckpoint.objects.count() == 1
    assert JournalEntry.objects.filter(action=checkpoints.REFUSED).count() == 2
    # told once for the same problem, in the portal and by email
    assert Notification.objects.filter(kind=checkpoints.REFUSED).count() == 1
    assert [m.subject for m in mail.outbox if "refused" in m.subject.lower()
            or "拒绝" in m.subject] and f"seq {broken}" in mail.outbox[-1].body
    assert tasks.journal_checkpoint.delay().get() is None


def test_production_refuses_to_sign_without_a_configured_key(history, settings, caplog, client):
    settings.JOURNAL_SIGNING_KEY = ""
    settings.JOURNAL_DEVELOPMENT_KEY = False
    with pytest.raises(checkpoints.SigningKeyMissing, match="JOURNAL_SIGNING_KEY"):
        checkpoints.checkpoint_create()
    with pytest.raises(CommandError, match="JOURNAL_SIGNING_KEY") as error:
        call_command("checkpoint_journal")
    assert error.value.returncode == 1
    with caplog.at_level(logging.ERROR, logger="portal.checkpoints"):
        assert tasks.journal_checkpoint.delay().get() is None
    assert "no checkpoint signed" in caplog.text
    client.force_login(user_with(Role.INSPECTOR))
    page = client.post("/audit/integrity/checkpoint/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "No checkpoint signed" in page.content.decode()
    assert not JournalCheckpoint.objects.exists()


def test_development_key_is_made_once_under_the_var_dir_with_a_warning(settings, tmp_path,
                                                                     caplog):
    settings.JOURNAL_SIGNING_KEY = ""
    settings.JOURNAL_SIGNING_KEY_FILE = ""
    settings.JOURNAL_DEVELOPMENT_KEY = True
    settings.JOURNAL_DEVELOPMENT_KEY_FILE = tmp_path / "var" / "journal-development-key.pem"
    assert checkpoints.current_key() is None  # nothing is made just to look
    with caplog.at_level(logging.WARNING, logger="portal.checkpoints"):
        key = checkpoints.signing_key()
    assert key.development and "signed with the development key" in caplog.text
    path = settings.JOURNAL_DEVELOPMENT_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert checkpoints.signing_key().key_id == key.key_id
    assert list(path.parent.iterdir()) == [path]


def test_signing_key_from_base64_pem_or_a_file(settings, tmp_path):
    private = Ed25519PrivateKey.generate()
    expected = checkpoints.key_id(private.public_key())
    settings.JOURNAL_SIGNING_KEY = checkpoints.private_text(private)
    assert checkpoints.signing_key().key_id == expected
    settings.JOURNAL_SIGNING_KEY = checkpoints.private_pem(private).decode()
    assert checkpoints.signing_key().key_id == expected
    path = tmp_path / "signing.pem"
    path.write_bytes(checkpoints.private_pem(private))
    settings.JOURNAL_SIGNING_KEY, settings.JOURNAL_SIGNING_KEY_FILE = "", str(path)
    assert checkpoints.signing_key().source.startswith("JOURNAL_SIGNING_KEY_FILE")
    assert checkpoints.signing_key().key_id == expected
    settings.JOURNAL_SIGNING_KEY = "bm90IGEga2V5"
    with pytest.raises(ImproperlyConfigured, match="not an Ed25519 private key"):
        checkpoints.signing_key()
    settings.JOURNAL_SIGNING_KEY, settings.JOURNAL_SIGNING_KEY_FILE = "", str(tmp_path / "no")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        checkpoints.signing_key()


def test_journal_keygen_makes_a_usable_key(settings, tmp_path, capsys):
    call_command("journal_keygen")
    out = capsys.readouterr().out
    value = out.split("JOURNAL_SIGNING_KEY=")[1].split()[0]
    settings.JOURNAL_SIGNING_KEY = value
    assert f"key id: {checkpoints.signing_key().key_id}" in out
    assert checkpoints.public_text(checkpoints.signing_key().public) in out

    path = tmp_path / "journal.pem"
    call_command("journal_keygen", "--output", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings.JOURNAL_SIGNING_KEY, settings.JOURNAL_SIGNING_KEY_FILE = "", str(path)
    made = checkpoints.signing_key()
    with pytest.raises(CommandError, match="not overwritten"):
        call_command("journal_keygen", "--output", str(path))
    capsys.readouterr()
    call_command("journal_keygen", "--public")
    assert f"key id: {made.key_id}" in capsys.readouterr().out


def test_verify_journal_reports_checkpoints_and_takes_files_and_keys(history, tmp_path, capsys):
    checkpoint = checkpoints.checkpoint_create()
    more_history(history, 1)
    kept = tmp_path / "kept.json"
    kept.write_text(checkpoints.file_text(checkpoint))
    call_command("verify_journal", "--checkpoint", str(kept), "--checkpoint", str(kept))
    out = capsys.readouterr().out
    assert f"signed checkpoints verified: 1; newest: #{checkpoint.seq}" in out
    assert "entries after the newest checkpoint are not yet covered" in out
    assert "journal intact" in out

    other = checkpoints.public_text(Ed25519PrivateKey.generate().public_key())
    with pytest.raises(CommandError, match="not a trusted key"):
        call_command("verify_journal", "--public-key", other)
    public = tmp_path / "public.pem"
    public.write_text(checkpoints.public_pem(checkpoints.signing_key().public))
    call_command("verify_journal", "--public-key", str(public), "--checkpoint", str(kept))

    broken = tmp_path / "broken.json"
    for text, message in (("{", "not a JSON"), ('{"format": "x"}', "not a journal checkpoint"),
                          (json.dumps({**checkpoints.document(checkpoint), "seq": "1"}),
                           "`seq` is missing")):
        broken.write_text(text)
        with pytest.raises(CommandError, match=message) as error:
            call_command("verify_journal", "--checkpoint", str(broken))
        assert error.value.returncode == 2
    with pytest.raises(CommandError, match="No such file"):
        call_command("verify_journal", "--checkpoint", str(tmp_path / "absent.json"))


def test_checkpoint_journal_command_writes_the_file(history, tmp_path, capsys):
    path = tmp_path / "cp.json"
    call_command("checkpoint_journal", "--output", str(path))
    checkpoint = JournalCheckpoint.objects.get()
    assert f"checkpoint #{checkpoint.seq} {checkpoint.hash}" in capsys.readouterr().out
    [kept] = checkpoints.load_file(path)
    assert kept.identity == checkpoints.Signed.of(checkpoint).identity
    call_command("checkpoint_journal", "--if-changed")
    assert "nothing to sign" in capsys.readouterr().out


# --- the integrity page --------------------------------------------------------------------------


def test_inspectors_sign_and_download_checkpoints_on_the_integrity_page(history, client,
                                                                        inspector):
    client.force_login(inspector)
    response = client.post("/audit/integrity/checkpoint/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == "/audit/integrity/#checkpoints"
    checkpoint = JournalCheckpoint.objects.get()
    assert (checkpoint.trigger, checkpoint.actor) == ("manual", inspector)

    page = client.get("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Checkpoint #{checkpoint.seq} signed" in page
    assert checkpoint.hash in page and checkpoint.key_id in page
    assert f'href="/audit/checkpoints/{checkpoint.pk}.json"' in page
    assert "Sign a checkpoint now" in page
    assert "签名" in client.get("/audit/integrity/").content.decode()

    download = client.get(f"/audit/checkpoints/{checkpoint.pk}.json")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/json")
    assert f"journal-checkpoint-{checkpoint.seq}.json" in download["Content-Disposition"]
    kept = checkpoints.load(download.content, source="download")
    assert journal.verify(checkpoints=kept).ok
    assert head().object_id == f"checkpoint:{checkpoint.pk}"  # the download is journaled

    pem = client.get("/audit/checkpoints/public-key.pem")
    assert pem.status_code == 200
    assert checkpoints.key_id(checkpoints.parse_public_key(pem.content)) == checkpoint.key_id
    assert client.get("/audit/checkpoints/999999.json").status_code == 404
    assert client.get("/audit/checkpoints/99999999999999999999999.json").status_code == 404
    assert client.get("/audit/integrity/checkpoint/").status_code == 405


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.LIAISON, Role.SUPPLY_OFFICER])
def test_other_roles_cannot_sign_or_download(history, client, role):
    checkpoint = checkpoints.checkpoint_create()
    client.force_login(user_with(role))
    assert client.post("/audit/integrity/checkpoint/").status_code == 403
    assert client.get(f"/audit/checkpoints/{checkpoint.pk}.json").status_code == 403
    assert client.get("/audit/checkpoints/public-key.pem").status_code == 403
    assert JournalCheckpoint.objects.count() == 1


def test_anonymous_is_sent_to_login(client):
    response = client.get("/audit/checkpoints/1.json")
    assert response.status_code == 302 and "/login" in response["Location"]
