"""Golden journal entries: the canonical form and the hashes of fixed entries, as literals.

Every entry ever written is verified against these bytes. A change of the canonical form
(key order, separators, escaping, the time format, how numbers are written) would pass
every round-trip test and still turn each existing journal red; here it fails by name.
The values are built directly, not through services, so that no change of a service's
representation or scope moves them.
"""

import datetime
import hashlib
import json

import pytest
from django.db import transaction

from portal import context, journal
from portal.models import JournalEntry

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
GENESIS = "0" * 64

DATA = {
    "name": "杭州平治信息技术有限公司",
    "contact_phone": "138****5678",
    "employee_count": 230,
    "temperature": 36.5,
    "ratio": 0.30000000000000004,
    "small": 1e-05,
    "big": 10**16,
    "bigger": 12345678901234567890,
    "negative": -7,
    "none": None,
    "flags": [True, False, None],
    "nested": {"b": {"z": 1, "a": [1.5, "二"]}, "a": 'quote " backslash \\ tab\t line\n'},
    "emoji": "😷",
    "separators": "\u2028\u2029",
    "empty": {},
    "list": [],
}
CHANGES = {"employee_count": [120, 230], "name": ["杭州旧名有限公司", "杭州平治信息技术有限公司"]}

HASH_1 = "635c31f07207c14b2361de6e55e4339d2c0d9dc643d9e2f533804a2c9d6ebf8e"
HASH_2 = "4dc92fe54bf968b5e06e1ad3e6b732f94854f1e6f3dbca64859a536e5ad01d67"
HASH_3 = "00778287590f708322ce4a479e94735f423154b1c12717c218204cee87eb0957"

# Three chained entries: a creation by a named user from an address, an update by the
# system with a diff, a deletion with no enterprise. `at` in three time zones.
ENTRIES = [
    dict(seq=1, at=datetime.datetime(2020, 2, 10, 9, 30, 0, 123456, tzinfo=SHANGHAI),
         actor_id=7, actor_label="liaison (张弛)", ip="10.0.0.7", request_id="req-0001",
         action="enterprises.enterprise.created", object_type="enterprises.enterprise",
         object_id="42", enterprise_id=42, district="330114", op="upsert", data=DATA,
         changes={}, prev_hash=GENESIS),
    dict(seq=2, at=datetime.datetime(2020, 2, 11, 0, 0, 0, 0, tzinfo=SHANGHAI),
         actor_id=None, actor_label="system", ip=None, request_id="",
         action="enterprises.enterprise.updated", object_type="enterprises.enterprise",
         object_id="42", enterprise_id=42, district="330114", op="upsert", data=DATA,
         changes=CHANGES, prev_hash=HASH_1),
    dict(seq=3, at=datetime.datetime(2020, 2, 12, 23, 59, 59, 999999, tzinfo=datetime.UTC),
         actor_id=2**40, actor_label="", ip="::1", request_id="e4a5",
         action="enterprises.enterprise.deleted", object_type="enterprises.enterprise",
         object_id="42", enterprise_id=None, district="", op="delete", data={"id": 42},
         changes={}, prev_hash=HASH_2),
]

_DATA_TEXT = (
    '{"big":10000000000000000,"bigger":12345678901234567890,"contact_phone":"138****5678",'
    '"emoji":"😷","employee_count":230,"empty":{},"flags":[true,false,null],"list":[],'
    '"name":"杭州平治信息技术有限公司","negative":-7,'
    '"nested":{"a":"quote \\" backslash \\\\ tab\\t line\\n","b":{"a":[1.5,"二"],"z":1}},'
    '"none":null,"ratio":0.30000000000000004,"separators":"\u2028\u2029","small":1e-05,'
    '"temperature":36.5}'
)
CANONICAL = [
    '{"action":"enterprises.enterprise.created","actor_id":7,"actor_label":"liaison (张弛)",'
    '"at":"2020-02-10T01:30:00.123456+00:00","changes":{},"data":' + _DATA_TEXT + ','
    '"district":"330114","enterprise_id":42,"ip":"10.0.0.7","object_id":"42",'
    '"object_type":"enterprises.enterprise","op":"upsert","prev_hash":"' + GENESIS + '",'
    '"request_id":"req-0001","seq":1}',
    '{"action":"enterprises.enterprise.updated","actor_id":null,"actor_label":"system",'
    '"at":"2020-02-10T16:00:00.000000+00:00","changes":{"employee_count":[120,230],'
    '"name":["杭州旧名有限公司","杭州平治信息技术有限公司"]},"data":' + _DATA_TEXT + ','
    '"district":"330114","enterprise_id":42,"ip":null,"object_id":"42",'
    '"object_type":"enterprises.enterprise","op":"upsert","prev_hash":"' + HASH_1 + '",'
    '"request_id":"","seq":2}',
    '{"action":"enterprises.enterprise.deleted","actor_id":1099511627776,"actor_label":"",'
    '"at":"2020-02-12T23:59:59.999999+00:00","changes":{},"data":{"id":42},"district":"",'
    '"enterprise_id":null,"ip":"::1","object_id":"42",'
    '"object_type":"enterprises.enterprise","op":"delete","prev_hash":"' + HASH_2 + '",'
    '"request_id":"e4a5","seq":3}',
]
HASHES = [HASH_1, HASH_2, HASH_3]


def hashed_fields(entry: dict) -> dict:
    """The fields an entry's hash covers, as DESIGN §4 defines them: every column but the
    hash, `at` as UTC ISO 8601 with microseconds."""
    fields = dict(entry)
    fields["at"] = entry["at"].astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return fields


@pytest.mark.parametrize("index", range(len(ENTRIES)))
def test_canonical_form_of_fixed_entries_is_pinned(index):
    fields = hashed_fields(ENTRIES[index])
    expected = CANONICAL[index].encode()
    assert journal.canonical(fields) == expected
    # The definition itself, spelled out: sorted keys, no spaces, UTF-8, no ASCII escapes.
    assert json.dumps(fields, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode() == expected
    assert hashlib.sha256(expected).hexdigest() == HASHES[index]


@pytest.mark.parametrize("index", range(len(ENTRIES)))
def test_every_hash_path_gives_the_golden_hash(index):
    entry = ENTRIES[index]
    assert journal.entry_hash(JournalEntry(**entry)) == HASHES[index]
    text = hashed_fields(entry)
    values = [text[column] for column in journal.HASHED_COLUMNS]
    values[journal.HASHED_COLUMNS.index("data")] = journal.dumps(entry["data"])
    values[journal.HASHED_COLUMNS.index("changes")] = journal.dumps(entry["changes"])
    assert journal.digest(*values) == HASHES[index]


def test_the_golden_entries_form_a_chain():
    assert ENTRIES[0]["prev_hash"] == journal.GENESIS_HASH == GENESIS
    for previous, entry, digest in zip(ENTRIES, ENTRIES[1:], HASHES, strict=False):
        assert entry["prev_hash"] == digest == journal.entry_hash(JournalEntry(**previous))


# Two events appended through `record_event` with the clock frozen (only the clock is
# mocked): what the database holds and gives back must keep these hashes.
AT = datetime.datetime(2020, 2, 10, 1, 30, 0, 250000, tzinfo=datetime.UTC)
EVENT_HASHES = [
    "f3bbf8b35afa37510eb409bab0ee5fef225dfca47aab68339e6c50e6b4c0fbda",
    "06a6edff8bf278d5f70b48be1e9e66a92e96b4e35bc99ad6ffffe063f70cedee",
]


@pytest.mark.django_db
def test_appended_events_keep_their_golden_hashes_through_the_database(monkeypatch):
    assert not JournalEntry.objects.exists(), "the golden chain starts at the genesis"
    monkeypatch.setattr("django.utils.timezone.now", lambda: AT)
    with context.bound(ip="10.0.0.7", request_id="req-golden"), transaction.atomic():
        journal.record_event(
            action="portal.test.golden", actor=None, object_type="portal.test",
            object_id="golden-1", enterprise_id=42, district="330114",
            data={"text": "复工 😷", "big": 1e16, "t": 37.3, "n": None,
                  "nested": {"b": [1, {"a": 2}]}},
        )
    monkeypatch.setattr("django.utils.timezone.now", lambda: AT + datetime.timedelta(minutes=1))
    with transaction.atomic():
        journal.record_event(action="portal.test.golden", actor=None,
                             object_type="portal.test", object_id="golden-2", data={})

    stored = list(JournalEntry.objects.order_by("seq"))
    assert [(e.seq, e.at, e.ip, e.request_id, e.actor_label) for e in stored] == [
        (1, AT, "10.0.0.7", "req-golden", "system"),
        (2, AT + datetime.timedelta(minutes=1), None, "", "system"),
    ]
    assert stored[0].data == {"text": "复工 😷", "big": 10**16, "t": 37.3, "n": None,
                              "nested": {"b": [1, {"a": 2}]}}
    assert [e.hash for e in stored] == EVENT_HASHES
    assert [journal.entry_hash(e) for e in stored] == EVENT_HASHES  # as read back
    assert stored[1].prev_hash == EVENT_HASHES[0]
    result = journal.verify(objects=False)
    assert result.ok and (result.head_seq, result.head_hash) == (2, EVENT_HASHES[1])
