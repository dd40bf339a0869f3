"""Signed checkpoints of the journal (DESIGN §4): its head signed with a key kept outside
the database, published to the inspectors, and checked by `verify_journal`.

A hash chain alone does not stop someone who can write to the database: they rewrite an
entry and recompute every later hash. They cannot sign, though: a checkpoint (seq, hash)
signed with the Ed25519 key from the environment pins the chain up to that entry. Rows
deleted or edited in the checkpoint table itself are caught by the signed files and emails
kept elsewhere (`verify_journal --checkpoint FILE`) and by the journal's own entry for each
checkpoint. What a checkpoint cannot show: a rewrite after the newest one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import journal, notifications
from .models import JournalCheckpoint, JournalEntry, User
from .roles import Role

logger = logging.getLogger("portal.checkpoints")

FORMAT = "portal.journal.checkpoint/1"
OBJECT_TYPE = "portal.journalcheckpoint"
SIGNED = "portal.journal.checkpoint_signed"
REFUSED = "portal.journal.checkpoint_refused"
# "Sign now" verifies the entries since the newest checkpoint in the request up to this many,
# and queues the task above it.
SYNC_SIGN_LIMIT = 50_000


class SigningKeyMissing(ImproperlyConfigured):
    """No signing key is configured, and this is no development setup."""


class CheckpointRefused(Exception):
    """The journal does not verify since the newest checkpoint: signing it would vouch for
    what may be a rewrite."""

    def __init__(self, problem: journal.Problem):
        super().__init__(str(problem))
        self.problem = problem


class CheckpointFileError(ValueError):
    """A checkpoint file that is not one (not JSON, a field missing or malformed)."""


# --- keys ----------------------------------------------------------------------------------


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """A public key's short name, carried by each checkpoint: SHA-256 of its raw bytes."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_text(public_key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes (the form JOURNAL_VERIFY_KEYS takes)."""
    return base64.b64encode(_raw(public_key)).decode()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def private_text(private_key: Ed25519PrivateKey) -> str:
    """The private key as base64 of its 32-byte seed (the form JOURNAL_SIGNING_KEY takes)."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def private_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _base64(text: str) -> bytes:
    """Standard or URL-safe base64, padding optional."""
    text = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


def parse_private_key(value: str | bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM (PKCS#8) or base64 of its 32-byte seed."""
    data = value.encode() if isinstance(value, str) else value
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as error:
            raise ValueError(f"unreadable PEM: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key
    raw = _base64(data.decode("ascii", errors="replace"))
    if len(raw) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(value: str | bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM or base64 of its 32 raw bytes."""
    data = value.encode() if isinstance(value, str) else value
    data = data.strip()
    if data.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError) as error:
            raise ValueError(f"unreadable PEM: {error}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key
    raw = _base64(data.decode("ascii", errors="replace"))
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    source: str  # where it came from, for messages
    development: bool = False

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)


def _configured_key() -> SigningKey | None:
    """The key from JOURNAL_SIGNING_KEY, else the file JOURNAL_SIGNING_KEY_FILE names."""
    value, source = settings.JOURNAL_SIGNING_KEY, "JOURNAL_SIGNING_KEY"
    if not value and settings.JOURNAL_SIGNING_KEY_FILE:
        source = f"JOURNAL_SIGNING_KEY_FILE ({settings.JOURNAL_SIGNING_KEY_FILE})"
        try:
            value = Path(settings.JOURNAL_SIGNING_KEY_FILE).read_bytes()
        except OSError as error:
            raise ImproperlyConfigured(f"{source} cannot be read: {error}") from None
    if not value:
        return None
    try:
        return SigningKey(parse_private_key(value), source)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{source} is not an Ed25519 private key (base64 of its 32-byte seed, or PEM): "
            f"{error}"
        ) from None


_warned: set[str] = set()


def _development_key(*, create: bool) -> SigningKey | None:
    """The development key under PORTAL_VAR_DIR, made on first use (mode 0600). Processes
    starting together agree on one: the file is linked into place, never overwritten."""
    path = Path(settings.JOURNAL_DEVELOPMENT_KEY_FILE)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_pem(Ed25519PrivateKey.generate()))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return SigningKey(parse_private_key(path.read_bytes()), f"development key {path}",
                      development=True)


def signing_key() -> SigningKey:
    """The key that signs checkpoints. Development and tests fall back to a generated key;
    production refuses to sign without a configured one."""
    key = _configured_key()
    if key is not None:
        return key
    if settings.JOURNAL_DEVELOPMENT_KEY:
        key = _development_key(create=True)
        if key.source not in _warned:
            _warned.add(key.source)
            logger.warning(
                "journal checkpoints are signed with the %s, not fit for production: anyone "
                "who can read that file can sign. Set JOURNAL_SIGNING_KEY.", key.source,
            )
        return key
    raise SigningKeyMissing(
        "No journal signing key: set JOURNAL_SIGNING_KEY or JOURNAL_SIGNING_KEY_FILE "
        "(`manage.py journal_keygen` makes one). Checkpoints are not signed without it."
    )


def current_key() -> SigningKey | None:
    """The signing key if one is available now, without creating a development key."""
    key = _configured_key()
    if key is None and settings.JOURNAL_DEVELOPMENT_KEY:
        key = _development_key(create=False)
    return key


def trusted_keys(public_keys: Iterable[str] | None = None) -> dict[str, Ed25519PublicKey]:
    """The public keys a checkpoint may be signed with, by key id: those given (only them),
    or the signing key's and JOURNAL_VERIFY_KEYS."""
    if public_keys is not None:
        keys = [parse_public_key(value) for value in public_keys]
    else:
        keys = []
        own = current_key()
        if own is not None:
            keys.append(own.public)
        for value in settings.JOURNAL_VERIFY_KEYS:
            try:
                keys.append(parse_public_key(value))
            except ValueError as error:
                raise ImproperlyConfigured(
                    f"JOURNAL_VERIFY_KEYS holds a value that is not an Ed25519 public key: "
                    f"{error}"
                ) from None
    return {key_id(key): key for key in keys}


# --- signed checkpoints and their files ----------------------------------------------------


@dataclass(frozen=True)
class Signed:
    """A signed checkpoint, from the table or from a file kept elsewhere."""

    seq: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str
    source: str  # "checkpoint 12", or the file's name

    @classmethod
    def of(cls, checkpoint: JournalCheckpoint) -> Signed:
        return cls(checkpoint.seq, checkpoint.hash, checkpoint.signed_at, checkpoint.key_id,
                   checkpoint.signature, f"checkpoint {checkpoint.pk}")

    @property
    def identity(self) -> tuple:
        return (self.seq, self.hash, self.key_id, self.signature)

    def when(self) -> str:
        return timezone.localtime(self.signed_at).strftime("%Y-%m-%d %H:%M:%S")


def message(*, seq: int, hash_: str, signed_at: datetime, key_id_: str) -> bytes:
    """The bytes a checkpoint's signature covers: canonical JSON (sorted keys, no spaces)."""
    return journal.canonical({
        "format": FORMAT,
        "seq": seq,
        "hash": hash_,
        "signed_at": journal._utc_text(signed_at),
        "key_id": key_id_,
    })


def sign(key: SigningKey, *, seq: int, hash_: str, signed_at: datetime) -> str:
    signed = key.private.sign(
        message(seq=seq, hash_=hash_, signed_at=signed_at, key_id_=key.key_id)
    )
    return base64.b64encode(signed).decode()


def signature_problem(checkpoint: Signed, keys: dict[str, Ed25519PublicKey]) -> str | None:
    """Why the checkpoint's signature does not hold, or None when it does."""
    public_key = keys.get(checkpoint.key_id)
    if public_key is None:
        return (f"signed with key {checkpoint.key_id}, which is not a trusted key (a retired "
                "key's public half belongs in JOURNAL_VERIFY_KEYS)")
    try:
        signature = base64.b64decode(checkpoint.signature, validate=True)
        public_key.verify(signature, message(
            seq=checkpoint.seq, hash_=checkpoint.hash, signed_at=checkpoint.signed_at,
            key_id_=checkpoint.key_id,
        ))
    except (InvalidSignature, binascii.Error, ValueError):
        return "its signature does not match its sequence, hash and time: edited or forged"
    return None


def document(checkpoint: JournalCheckpoint | Signed) -> dict:
    """The signed checkpoint as the small file inspectors keep. The public key is not in it:
    verify against the key you got from elsewhere (the integrity page, the README)."""
    return {
        "format": FORMAT,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "signed_at": journal._utc_text(checkpoint.signed_at),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def file_text(checkpoint: JournalCheckpoint | Signed) -> str:
    return json.dumps(document(checkpoint), indent=2, sort_keys=True) + "\n"


def file_name(checkpoint: JournalCheckpoint | Signed) -> str:
    return f"journal-checkpoint-{checkpoint.seq}.json"


def _field(item: dict, name: str, kind: type, source: str):
    value = item.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CheckpointFileError(f"{source}: `{name}` is missing or not a {kind.__name__}")
    return value


def load(text: str | bytes, *, source: str) -> list[Signed]:
    """The checkpoints in a file: one checkpoint document, or a JSON list of them."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise CheckpointFileError(f"{source}: not a JSON checkpoint file") from None
    items = data if isinstance(data, list) else [data]
    loaded = []
    for index, item in enumerate(items):
        where = source if len(items) == 1 else f"{source}[{index}]"
        if not isinstance(item, dict) or item.get("format") != FORMAT:
            raise CheckpointFileError(f"{where}: not a journal checkpoint ({FORMAT})")
        seq = _field(item, "seq", int, where)
        digest = _field(item, "hash", str, where)
        if seq < 1 or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise CheckpointFileError(f"{where}: `seq` or `hash` is malformed")
        try:
            signed_at = datetime.fromisoformat(_field(item, "signed_at", str, where))
        except ValueError:
            raise CheckpointFileError(f"{where}: `signed_at` is not an ISO time") from None
        if signed_at.tzinfo is None:
            raise CheckpointFileError(f"{where}: `signed_at` has no time zone")
        loaded.append(Signed(seq, digest, signed_at, _field(item, "key_id", str, where),
                             _field(item, "signature", str, where), where))
    return loaded


def load_file(path: str | Path) -> list[Signed]:
    path = Path(path)
    try:
        return load(path.read_bytes(), source=path.name)
    except OSError as error:
        raise CheckpointFileError(f"{path}: {error.strerror or error}") from None


# --- signing -------------------------------------------------------------------------------


def _inspectors():
    return User.objects.filter(groups__name=Role.INSPECTOR, is_active=True).distinct()


def newest_valid(keys: dict[str, Ed25519PublicKey]) -> Signed | None:
    """The newest checkpoint in the table whose signature holds."""
    for checkpoint in JournalCheckpoint.objects.order_by("-seq", "-id").iterator(100):
        signed = Signed.of(checkpoint)
        if signature_problem(signed, keys) is None:
            return signed
    return None


def _head() -> tuple[int, str] | None:
    return JournalEntry.objects.order_by("-seq").values_list("seq", "hash").first()


def checkpoint_create(
    *, actor=None, trigger: str = JournalCheckpoint.Trigger.MANUAL, if_changed: bool = False,
) -> JournalCheckpoint | None:
    """Sign the journal's head, store the checkpoint and send it to the inspectors.

    The checkpoints so far and the entries since the newest valid one are verified first
    (outside the append lock), so a rewrite is never signed; then, in one transaction, the
    checkpoint's own entry is appended (taking the lock), the few entries since are checked,
    and that entry (the new head) is signed. `if_changed` (the schedule) signs nothing when
    no entry was appended since the newest checkpoint. Raises SigningKeyMissing,
    CheckpointRefused.
    """
    key = signing_key()
    keys = trusted_keys()
    keys.setdefault(key.key_id, key.public)
    base = newest_valid(keys)
    head = _head()
    if if_changed and (head is None or (base is not None and head == (base.seq, base.hash))):
        return None
    # Every checkpoint so far still valid, present and matched (a rewrite that deleted the
    # checkpoints it broke must not be signed over), then the chain since the newest one.
    checked = journal.Verification()
    verify_checkpoints(checked)
    journal.verify_chain(checked, start=(base.seq, base.hash) if base else None)
    if checked.problems:
        _refuse(checked.problems[0], actor=actor, trigger=trigger)
    problem = None
    with transaction.atomic():
        event = journal.record_event(
            action=SIGNED, actor=actor, object_type=OBJECT_TYPE,
            data={"trigger": trigger, "key_id": key.key_id},
        )
        tail = journal.Verification()
        journal.verify_chain(tail, start=(checked.head_seq, checked.head_hash)
                             if checked.head_seq else None)
        if tail.problems or (tail.head_seq, tail.head_hash) != (event.seq, event.hash):
            problem = tail.problems[0] if tail.problems else journal.Problem(
                "altered", "the journal's head moved while it was signed", seq=event.seq)
            transaction.set_rollback(True)
        else:
            signed_at = timezone.now()
            checkpoint = JournalCheckpoint.objects.create(
                seq=event.seq, hash=event.hash, signed_at=signed_at, key_id=key.key_id,
                signature=sign(key, seq=event.seq, hash_=event.hash, signed_at=signed_at),
                trigger=trigger, actor=actor,
            )
            _publish(checkpoint)
    if problem is not None:
        _refuse(problem, actor=actor, trigger=trigger)
    if key.development:
        logger.warning("checkpoint #%s signed with the development key", checkpoint.seq)
    return checkpoint


def checkpoint_request(*, actor) -> JournalCheckpoint | None:
    """"Sign now": signed at once when few entries need verifying first, otherwise queued
    (None). Raises SigningKeyMissing, CheckpointRefused."""
    from . import tasks

    signing_key()  # refuse at once, not later in a worker, when there is no key
    base = newest_valid(trusted_keys())
    head = _head()
    if head is None or head[0] - (base.seq if base else 0) <= SYNC_SIGN_LIMIT:
        return checkpoint_create(actor=actor, trigger=JournalCheckpoint.Trigger.MANUAL)
    tasks.journal_checkpoint.delay_on_commit(
        actor_id=actor.pk, trigger=JournalCheckpoint.Trigger.MANUAL
    )
    return None


def _publish(checkpoint: JournalCheckpoint) -> None:
    """Send the checkpoint to every active inspector, in the portal and by email: the seq
    and hash to keep, and the signed document itself (a file's content)."""
    with translation.override(settings.LANGUAGE_CODE):
        notifications.notify(
            recipients=_inspectors(),
            kind=SIGNED,
            title=_("Journal checkpoint #%(seq)s signed") % {"seq": checkpoint.seq},
            body=_(
                "The journal's head was signed at %(at)s.\n"
                "Sequence: %(seq)s\nHash: %(hash)s\nKey: %(key_id)s\n\n"
                "Keep this message outside the portal. Saved as a file, the signed checkpoint "
                "below proves with `manage.py verify_journal --checkpoint FILE` that the "
                "journal up to this entry has not been rewritten since, even by someone with "
                "access to the database.\n\n%(document)s"
            ) % {
                "at": Signed.of(checkpoint).when(),
                "seq": checkpoint.seq,
                "hash": checkpoint.hash,
                "key_id": checkpoint.key_id,
                "document": json.dumps(document(checkpoint), sort_keys=True),
            },
            url=reverse("audit:checkpoint", args=[checkpoint.pk]),
            channels_=("email",),
        )


def _refuse(problem: journal.Problem, *, actor, trigger: str):
    """Journal the refusal and tell the inspectors (once for the same problem), then raise."""
    text = str(problem)
    last = (
        JournalEntry.objects.filter(object_type=OBJECT_TYPE, action=REFUSED)
        .order_by("-seq").values_list("data", flat=True).first()
    )
    with transaction.atomic():
        journal.record_event(
            action=REFUSED, actor=actor, object_type=OBJECT_TYPE,
            data={"trigger": trigger, "problem": text},
        )
        if not last or last.get("problem") != text:
            with translation.override(settings.LANGUAGE_CODE):
                notifications.notify(
                    recipients=_inspectors(),
                    kind=REFUSED,
                    title=_("Journal checkpoint refused"),
                    body=_(
                        "The journal was not signed because it does not verify since the "
                        "newest checkpoint: %(problem)s"
                    ) % {"problem": text},
                    url=reverse("audit:integrity"),
                    channels_=("email",),
                )
    logger.error("journal checkpoint refused: %s", text)
    raise CheckpointRefused(problem)


@dataclass
class Overview:
    """What the integrity page shows of the checkpoints."""

    key: SigningKey | None
    key_problem: str
    recent: list[JournalCheckpoint]
    uncovered: int  # entries after the newest checkpoint

    @property
    def public_key(self) -> str:
        return public_text(self.key.public) if self.key else ""


def overview(*, recent: int = 10) -> Overview:
    try:
        key, problem = current_key(), ""
    except ImproperlyConfigured as error:
        key, problem = None, str(error)
    if key is None and not problem and not settings.JOURNAL_DEVELOPMENT_KEY:
        problem = _("No signing key is configured (JOURNAL_SIGNING_KEY): checkpoints cannot "
                    "be signed.")
    rows = list(JournalCheckpoint.objects.select_related("actor")[:recent])
    head = _head()
    newest = rows[0].seq if rows else 0
    return Overview(key, problem, rows, max((head[0] if head else 0) - newest, 0))


# --- verification --------------------------------------------------------------------------


def verify_checkpoints(
    result: journal.Verification, *, kept: Iterable[Signed] = (),
    public_keys: Iterable[str] | None = None,
) -> None:
    """Every checkpoint (the table's and those `kept` in files) must carry a valid signature
    and the chain must still run through it: the entry at its seq has its hash, and the
    journal reaches it. A file's checkpoint missing from the table, and a checkpoint the
    journal records but the table lacks, show rows deleted or rewritten there."""
    keys = trusted_keys(public_keys)
    Problem = journal.Problem
    valid: dict[tuple, Signed] = {}
    table = set()
    for checkpoint in JournalCheckpoint.objects.order_by("seq", "id").iterator(1000):
        signed = Signed.of(checkpoint)
        table.add(signed.identity)
        problem = signature_problem(signed, keys)
        if problem:
            result.problems.append(Problem(
                "checkpoint invalid",
                f"{signed.source} (signed {signed.when()}): {problem}", seq=signed.seq))
        else:
            valid.setdefault(signed.identity, signed)
    for signed in kept:
        problem = signature_problem(signed, keys)
        if problem:
            result.problems.append(Problem(
                "checkpoint invalid", f"{signed.source}: {problem}", seq=signed.seq))
            continue
        if signed.identity not in table:
            result.problems.append(Problem(
                "checkpoint missing",
                f"{signed.source} (signed {signed.when()}) is not in the checkpoint table: "
                "its row was deleted or rewritten", seq=signed.seq))
        valid.setdefault(signed.identity, signed)
    checkpoints = sorted(valid.values(), key=lambda c: (c.seq, c.signed_at))
    signed_seqs = {c.seq for c in checkpoints}
    recorded = JournalEntry.objects.filter(object_type=OBJECT_TYPE, action=SIGNED)
    for seq in recorded.order_by("seq").values_list("seq", flat=True):
        if seq not in signed_seqs:
            result.problems.append(Problem(
                "checkpoint missing",
                "the journal records a checkpoint signed at this entry, but no valid "
                "checkpoint holds it: its row was deleted or edited", seq=seq))
    result.checkpoints = len(checkpoints)
    if not checkpoints:
        return
    result.checkpoint = checkpoints[-1]
    _runs_through(result, checkpoints)


def _runs_through(result: journal.Verification, checkpoints: list[Signed]) -> None:
    Problem = journal.Problem
    head = _head()
    head_seq = head[0] if head else 0
    newest = checkpoints[-1]
    if head_seq < newest.seq:
        result.problems.append(Problem(
            "truncated",
            f"the journal ends at seq {head_seq}, but {newest.source} (signed {newest.when()}) "
            f"covers seq {newest.seq}: entries {head_seq + 1}–{newest.seq} are gone",
            seq=head_seq + 1))
    seqs = sorted({c.seq for c in checkpoints})
    stored = {}
    for start in range(0, len(seqs), 500):  # SQLite bounds a statement's parameters
        stored.update(JournalEntry.objects.filter(seq__in=seqs[start:start + 500])
                      .values_list("seq", "hash"))
    broken = [c for c in checkpoints if c.seq <= head_seq and stored.get(c.seq) != c.hash]
    if not broken:
        return
    first = broken[0]
    # The rewrite lies after the newest checkpoint below it that still matches.
    matched = max((c.seq for c in checkpoints if c.seq < first.seq), default=0)
    now = stored.get(first.seq)
    found = f"holds hash {now[:16]}…" if now else "is missing"
    later = len({c.seq for c in broken}) - 1
    result.problems.append(Problem(
        "checkpoint mismatch",
        f"{first.source} (signed {first.when()}) holds hash {first.hash[:16]}… but the entry "
        f"{found}: an entry after seq {matched} and up to {first.seq} was rewritten and the "
        f"chain recomputed" + (f"; {later} later checkpoint(s) no longer match either"
                               if later else ""),
        seq=first.seq))
