"""The journal's hash: the fast encodings give the bytes of its one definition (DESIGN §4)."""

import datetime
import hashlib
import json
import random
from types import SimpleNamespace

import pytest
from django.db import transaction

from portal import journal
from portal.models import JournalEntry

STRINGS = [
    "", "system", "测试企业有限公司", 'quote " and \\ backslash', "tab\tnew\nline\rcr",
    "\x00\x01\x1f\x7f", "\u2028\u2029", "emoji 😷", "a, \"b\": c", "{not json}",
]
SCALARS = [None, True, False, 0, -1, 2**63, 1.5, 1e16, 1e-7, 0.1 + 0.2, *STRINGS]


# What PostgreSQL's jsonb keeps as given: no NUL, no float it would print without exponent.
STORABLE = [value for value in SCALARS
            if value != 1e16 and not (isinstance(value, str) and "\x00" in value)]


def random_value(rng, depth=0, scalars=SCALARS):
    kind = rng.randrange(4 if depth < 3 else 2)
    if kind <= 1:
        return rng.choice(scalars)
    if kind == 2:
        return [random_value(rng, depth + 1, scalars) for _ in range(rng.randrange(4))]
    keys = [value for value in scalars if isinstance(value, str)]
    return {rng.choice(keys) + str(n): random_value(rng, depth + 1, scalars)
            for n in range(rng.randrange(6))}


def random_fields(rng):
    shanghai = datetime.timezone(datetime.timedelta(hours=8))
    at = datetime.datetime(2020, 2, 10, 9, 30, tzinfo=shanghai)
    return [
        rng.randrange(1, 10**12),
        at + datetime.timedelta(microseconds=rng.randrange(10**12)),
        rng.choice([None, 1, 42]),
        rng.choice(STRINGS),
        rng.choice([None, "127.0.0.1", "::1"]),
        rng.choice(STRINGS),
        rng.choice(["enterprises.enterprise.created", *STRINGS]),
        rng.choice(["enterprises.enterprise", *STRINGS]),
        rng.choice(["1", *STRINGS]),
        rng.choice([None, 7, 2**40]),
        rng.choice(["", "330102", *STRINGS]),
        rng.choice(list(JournalEntry.Op)),
        random_value(rng),
        rng.choice([{}, random_value(rng)]),
        f"{rng.getrandbits(256):064x}",
    ]


def defined_hash(values):
    return hashlib.sha256(journal.canonical(journal._hashed_fields(*values))).hexdigest()


def test_entry_hash_is_the_hash_of_the_canonical_json_of_all_fields():
    rng = random.Random(4)
    for _ in range(3000):
        values = random_fields(rng)
        entry = SimpleNamespace(**dict(zip(journal.HASHED_COLUMNS, values, strict=True)))
        assert journal.entry_hash(entry) == defined_hash(values)


def test_dumps_writes_what_canonical_writes_for_a_value():
    rng = random.Random(5)
    for _ in range(3000):
        value = random_value(rng)
        assert journal.dumps({"v": value}) == journal.canonical({"v": value}).decode()
        assert '{"v":' + journal.dumps(value) + "}" == journal.canonical({"v": value}).decode()


def test_canonical_text_keeps_the_sorted_key_order():
    values = random_fields(random.Random(6))
    text = journal._canonical_text(
        *values[:1], journal._utc_text(values[1]), *values[2:12],
        journal.dumps(values[12]), journal.dumps(values[13]), values[14],
    )
    keys = list(json.loads(text))
    assert keys == sorted(journal.HASHED_COLUMNS)


@pytest.mark.django_db
def test_entries_with_awkward_data_verify_on_every_database():
    """The PostgreSQL verification reads jsonb as text: escapes, nesting and numbers must
    come back as the ORM reads them."""
    rng = random.Random(7)
    with transaction.atomic():
        for _ in range(60):
            journal.record_event(
                action="portal.test.awkward", actor=None, object_type="portal.test",
                object_id=rng.choice(STRINGS)[:60].replace("\x00", ""),
                data={"value": random_value(rng, scalars=STORABLE), "text": "\\\t\"测试\"\n"},
            )
    result = journal.verify(objects=False)
    assert result.ok, [str(p) for p in result.problems]
    assert result.entries == JournalEntry.objects.count()
