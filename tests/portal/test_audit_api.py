"""/api/v1/journal/ for inspectors: filters, cursor pages, verify-status, and access."""

import pytest

from enterprises import services
from portal import journal
from portal.audit import services as audit_services
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db

URL = "/api/v1/journal/"
STATUS_URL = "/api/v1/journal/verify-status/"


@pytest.fixture
def history():
    admin = user_with(Role.ADMIN, username="chief")
    first = factories.enterprise(actor=admin, employee_count=120)
    second = factories.enterprise(actor=admin)
    services.enterprise_update(enterprise=first, actor=admin, fields={"employee_count": 300})
    return {"admin": admin, "first": first, "second": second}


@pytest.fixture
def inspector():
    return user_with(Role.INSPECTOR)


@pytest.fixture
def api_inspector(client_for, inspector):
    return client_for(inspector)


def seqs_of(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["seq"] for row in response.json()["results"]]


def expected(**lookups) -> list[int]:
    return list(
        JournalEntry.objects.filter(op__in=["upsert", "delete"], **lookups)
        .order_by("-seq").values_list("seq", flat=True)
    )


def test_inspector_lists_entries_newest_first_with_every_field(api_inspector, history):
    response = api_inspector.get(URL, {"op": "upsert"})
    assert seqs_of(response) == expected()
    row = response.json()["results"][0]
    entry = JournalEntry.objects.get(seq=row["seq"])
    assert set(row) == {
        "seq", "at", "actor", "actor_label", "ip", "request_id", "action", "object_type",
        "object_id", "enterprise_id", "district", "op", "data", "changes", "prev_hash", "hash",
    }
    assert row["actor"] == history["admin"].pk
    assert row["changes"] == {"employee_count": [120, 300]}
    assert (row["hash"], row["prev_hash"]) == (entry.hash, entry.prev_hash)
    assert row["data"]["contact_phone"] == "138****5678"


def test_each_filter(api_inspector, history):
    first, admin = history["first"], history["admin"]
    assert seqs_of(api_inspector.get(URL, {"enterprise": first.pk})) == expected(
        enterprise_id=first.pk
    )
    assert seqs_of(api_inspector.get(URL, {"object_type": "enterprises.district"})) == expected(
        object_type="enterprises.district"
    )
    assert seqs_of(api_inspector.get(URL, {"action": "enterprises.enterprise.updated"})) == (
        expected(action="enterprises.enterprise.updated")
    )
    assert seqs_of(api_inspector.get(URL, {"action": "enterprises.enterprise"})) == expected(
        action__startswith="enterprises.enterprise."
    )
    assert seqs_of(api_inspector.get(URL, {"actor": admin.pk, "op": "upsert"})) == expected(
        actor=admin
    )
    assert seqs_of(api_inspector.get(URL, {"actor": "chief", "op": "upsert"})) == expected(
        actor=admin
    )
    today = history["first"].created_at.astimezone().date().isoformat()
    dated = api_inspector.get(URL, {"at_from": today, "at_to": today, "op": "upsert"})
    assert seqs_of(dated) == expected()
    assert seqs_of(api_inspector.get(URL, {"at_to": "2020-01-01"})) == []


def test_invalid_filters_are_a_400_naming_the_field(api_inspector, history):
    response = api_inspector.get(URL, {"enterprise": "abc", "at_from": "2020-02-11",
                                       "at_to": "2020-02-10"})
    assert response.status_code == 400
    assert set(response.json()) >= {"enterprise", "at_to"}


def test_cursor_pages_walk_every_entry_once(api_inspector, history):
    wanted = expected()
    seen, params = [], {"page_size": 2, "op": "upsert"}
    response = api_inspector.get(URL, params)
    for _ in range(len(wanted) + 1):  # a cursor that never ends would loop forever
        seen += seqs_of(response)
        next_url = response.json()["next"]
        if not next_url:
            break
        response = api_inspector.get(next_url)
    else:
        pytest.fail(f"the cursor did not end after {len(wanted) + 1} pages")
    assert seen == wanted


def test_retrieve_one_entry(api_inspector, history):
    response = api_inspector.get(f"{URL}1/")
    assert response.status_code == 200
    assert response.json()["seq"] == 1
    assert api_inspector.get(f"{URL}99999/").status_code == 404


def test_each_request_is_journaled_once_and_the_chain_stays_intact(api_inspector, inspector,
                                                                   history):
    first = history["first"]
    before = JournalEntry.objects.order_by("-seq").first().seq
    rows = len(seqs_of(api_inspector.get(URL, {"enterprise": first.pk})))
    events = list(JournalEntry.objects.filter(seq__gt=before))
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.op, event.object_type, event.object_id, event.actor) == (
        audit_services.VIEWED, "event", "portal.audit", "api:journal", inspector,
    )
    assert event.data == {"filters": {"enterprise": str(first.pk)}, "rows": rows, "page": False}
    api_inspector.get(STATUS_URL)
    assert JournalEntry.objects.filter(seq__gt=before).count() == 1  # status is not journaled
    assert journal.verify().ok


def test_list_query_count_is_bounded(api_inspector, history, django_assert_max_num_queries):
    for _ in range(10):
        factories.enterprise(actor=history["admin"])
    with django_assert_max_num_queries(12) as captured:
        response = api_inspector.get(URL, {"page_size": 100})
    assert len(seqs_of(response)) > 10
    assert not any(
        "COUNT(" in query["sql"].upper() and "portal_journalentry" in query["sql"]
        for query in captured.captured_queries
    )


def test_verify_status(api_inspector, inspector, history):
    empty = api_inspector.get(STATUS_URL)
    assert empty.status_code == 200
    head = JournalEntry.objects.order_by("-seq").first()
    body = empty.json()
    assert body["last_verification"] is None and body["last_anchor"] is None
    assert body["head"]["seq"] == head.seq and body["head"]["hash"] == head.hash
    assert body["unverified_entries"] == head.seq

    run = audit_services.journal_verification_run(actor=inspector)
    body = api_inspector.get(STATUS_URL).json()
    assert body["last_verification"]["id"] == run.pk
    assert body["last_verification"]["ok"] is True
    assert body["last_verification"]["entries"] == run.entries == head.seq
    assert body["last_verification"]["trigger"] == "manual"
    assert body["last_verification"]["actor"] == inspector.pk
    assert body["last_intact"]["id"] == run.pk
    assert body["last_anchor"]["seq"] == head.seq and body["last_anchor"]["hash"] == head.hash
    # The run itself was journaled after the head it verified.
    assert body["head"]["seq"] == head.seq + 1
    assert body["unverified_entries"] == 1


def test_administrators_may_read_the_journal(client_for, history):
    assert client_for(history["admin"]).get(URL).status_code == 200


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.LIAISON, Role.SUPPLY_OFFICER])
def test_other_roles_get_403(client_for, history, role):
    client = client_for(user_with(role))
    for url in (URL, f"{URL}1/", STATUS_URL):
        assert client.get(url).status_code == 403, url
    assert not JournalEntry.objects.filter(op="event").exists()


def test_anonymous_gets_401(api, history):
    for url in (URL, f"{URL}1/", STATUS_URL):
        assert api.get(url).status_code == 401, url


def test_the_journal_is_read_only(api_inspector, history):
    count = JournalEntry.objects.count()
    assert api_inspector.post(URL, {}, format="json").status_code in {403, 405}
    assert api_inspector.delete(f"{URL}1/").status_code in {403, 405}
    assert JournalEntry.objects.count() == count
