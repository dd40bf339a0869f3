import random
import threading
import time

import pytest
from django.db import connection

from enterprises import services
from enterprises.models import Enterprise
from liaisons import services as liaison_services
from portal import journal
from portal.api import changes
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with
from tests.threads import WAIT_SECONDS, join_all

URL = "/api/v1/changes/"


def pull(client, after=0, limit=100):
    response = client.get(URL, {"after": after, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()


def pull_all(client, after=0, limit=100, max_pages=1000):
    """Every page from `after` on; a feed that never ends fails instead of looping."""
    results = []
    for _ in range(max_pages):
        page = pull(client, after, limit)
        results += page["results"]
        after = page["next_after"]
        if not page["has_more"]:
            return results, after
    pytest.fail(f"the feed still had more after {max_pages} pages (next_after={after})")


@pytest.mark.django_db
def test_admin_pages_through_every_entry_in_commit_order(client_for, admin_user):
    for _ in range(4):
        factories.enterprise(actor=admin_user)
    head = JournalEntry.objects.order_by("-seq").first().seq
    client = client_for(admin_user)

    first = pull(client, limit=3)
    assert [row["seq"] for row in first["results"]] == [1, 2, 3]
    assert (first["next_after"], first["has_more"]) == (3, True)

    results, after = pull_all(client, limit=3)
    assert [row["seq"] for row in results] == list(range(1, head + 1))
    assert after == head
    last = results[-1]
    entry = JournalEntry.objects.get(seq=head)
    assert last == {
        "seq": head, "at": last["at"], "action": "enterprises.enterprise.created",
        "op": "upsert", "type": "enterprises.enterprise", "id": entry.object_id,
        "data": entry.data,
    }
    assert last["data"]["contact_phone"] == "138****5678"
    assert pull(client, after=head) == {"results": [], "next_after": head, "has_more": False}


@pytest.mark.django_db
def test_deletion_arrives_as_delete(client_for, admin_user):
    enterprise = factories.enterprise(actor=admin_user)
    services.enterprise_delete(enterprise=enterprise, actor=admin_user)
    results, _after = pull_all(client_for(admin_user))
    assert results[-1]["op"] == "delete"
    last = results[-1]
    assert (last["type"], last["id"]) == ("enterprises.enterprise", str(enterprise.pk))


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["limit=1001", "limit=0", "after=-1", "after=x"])
def test_bad_paging_parameters_are_400(client_for, admin_user, query):
    response = client_for(admin_user).get(f"{URL}?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"after", "limit"}


@pytest.mark.django_db
def test_anonymous_gets_401(api):
    assert api.get(URL).status_code == 401


@pytest.mark.django_db
def test_member_sees_own_enterprise_and_reference_data_only(client_for, admin_user):
    own = user_with(Role.ENTERPRISE)
    other = user_with(Role.ENTERPRISE)
    spectrum = factories.spectrum(actor=admin_user)
    mine = factories.enterprise(actor=own)
    theirs = factories.enterprise(actor=other)
    services.enterprise_update(enterprise=theirs, actor=other, fields={"employee_count": 1})

    results, _after = pull_all(client_for(own))

    seen = {(row["type"], row["id"]) for row in results}
    assert ("enterprises.enterprise", str(mine.pk)) in seen
    assert ("enterprises.spectrum", str(spectrum.pk)) in seen
    assert ("enterprises.district", "330114") in seen
    assert ("enterprises.enterprise", str(theirs.pk)) not in seen
    assert {row["type"] for row in results} == {
        "enterprises.district", "enterprises.spectrum", "enterprises.enterprise",
        "enterprises.membership",
    }
    memberships = [row for row in results if row["type"] == "enterprises.membership"]
    assert [row["data"]["user"] for row in memberships] == [own.pk]


@pytest.mark.django_db
def test_liaison_sees_own_assignment_and_assigned_enterprises(client_for, admin_user):
    import datetime

    liaison = user_with(Role.LIAISON)
    colleague = user_with(Role.LIAISON)
    spectrum = factories.spectrum(actor=admin_user)
    inside = factories.enterprise(actor=admin_user, spectrum=spectrum)
    outside = factories.enterprise(actor=admin_user)
    own = liaison_services.assignment_create(
        actor=admin_user, official=liaison, kind="family_liaison", spectrum=spectrum,
        active_from=datetime.date(2020, 2, 1),
    )
    liaison_services.assignment_create(
        actor=admin_user, official=colleague, kind="resident_officer", enterprise=outside,
        active_from=datetime.date(2020, 2, 1),
    )

    results, _after = pull_all(client_for(liaison))

    seen = {(row["type"], row["id"]) for row in results}
    assert ("enterprises.enterprise", str(inside.pk)) in seen
    assert ("enterprises.enterprise", str(outside.pk)) not in seen
    assert [row["id"] for row in results if row["type"] == "liaisons.assignment"] == [str(own.pk)]


@pytest.mark.django_db
def test_removed_member_gets_a_delete_and_nothing_later(client_for, admin_user):
    member = user_with(Role.ENTERPRISE)
    enterprise = factories.enterprise(actor=admin_user)
    membership = services.membership_add(user=member, enterprise=enterprise, actor=admin_user)
    client = client_for(member)
    before, after = pull_all(client)
    assert ("enterprises.enterprise", str(enterprise.pk)) in {(r["type"], r["id"]) for r in before}

    services.membership_remove(membership=membership, actor=admin_user)
    removal = JournalEntry.objects.order_by("-seq").first()
    services.enterprise_set_registry_facts(
        enterprise=enterprise, actor=admin_user, fields={"name": "改名公司"}
    )

    results, next_after = pull_all(client, after=after)

    assert results == [{
        "seq": removal.seq, "at": results[0]["at"], "action": "enterprises.membership.removed",
        "op": "delete", "type": "enterprises.enterprise", "id": str(enterprise.pk),
        "data": {"id": enterprise.pk},
    }]
    assert next_after == JournalEntry.objects.order_by("-seq").first().seq
    # Syncing from scratch never shows the lost enterprise's data either.
    fresh, _after = pull_all(client)
    assert not [r for r in fresh if r["type"] == "enterprises.enterprise" and r["op"] == "upsert"]


@pytest.mark.django_db
def test_member_with_another_route_to_the_enterprise_gets_no_scope_delete(client_for, admin_user):
    """A removed membership shrinks nothing while the enterprise stays visible otherwise."""
    member = user_with(Role.ENTERPRISE, Role.LIAISON)
    enterprise = factories.enterprise(actor=admin_user)
    membership = services.membership_add(user=member, enterprise=enterprise, actor=admin_user)
    import datetime

    liaison_services.assignment_create(
        actor=admin_user, official=member, kind="resident_officer", enterprise=enterprise,
        active_from=datetime.date(2020, 2, 1),
    )
    services.membership_remove(membership=membership, actor=admin_user)

    results, _after = pull_all(client_for(member))

    deletes = [(r["type"], r["op"]) for r in results if r["op"] == "delete"]
    assert deletes == [("enterprises.membership", "delete")]


@pytest.mark.django_db
def test_next_after_moves_past_entries_the_caller_cannot_see(client_for, admin_user, monkeypatch):
    monkeypatch.setattr(changes, "MIN_SCAN", 4)
    monkeypatch.setattr(changes, "SCAN_FACTOR", 1)
    outsider = user_with(Role.LABOR_OFFICER)
    factories.district()  # the reference rows first, then entries they may not see
    start = JournalEntry.objects.order_by("-seq").first().seq
    for _ in range(5):
        factories.enterprise(actor=admin_user)
    head = JournalEntry.objects.order_by("-seq").first().seq
    client = client_for(outsider)

    page = pull(client, after=start, limit=2)
    assert page == {"results": [], "next_after": start + 4, "has_more": True}
    results, after = pull_all(client, after=start, limit=2)
    assert results == []
    assert after == head


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMIN, Role.ENTERPRISE, Role.LIAISON, Role.LABOR_OFFICER])
def test_a_page_takes_a_constant_number_of_queries(
    client_for, admin_user, django_assert_max_num_queries, role
):
    user = user_with(role)
    for _ in range(30):
        factories.enterprise(actor=user if role == Role.ENTERPRISE else admin_user)
    client = client_for(user)
    client.get(URL)  # warm the token and content-type caches
    for limit in (5, 500):
        with django_assert_max_num_queries(8):
            assert client.get(URL, {"limit": limit}).status_code == 200


def _replay(state, rows):
    for row in rows:
        key = (row["type"], row["id"])
        if row["op"] == "delete":
            state.pop(key, None)
        else:
            state[key] = row["data"]


def _writer(admin, seed, rounds, errors):
    rng = random.Random(seed)
    try:
        mine = []
        for step in range(rounds):
            if not mine or step % 6 == 0:
                mine.append(factories.enterprise(actor=admin))
            elif step % 7 == 0 and len(mine) > 1:
                gone = mine.pop(rng.randrange(len(mine)))
                services.enterprise_delete(enterprise=gone, actor=admin)
            else:
                target = mine[rng.randrange(len(mine))]
                mine[mine.index(target)] = services.enterprise_update(
                    enterprise=target, actor=admin,
                    fields={"employee_count": rng.randrange(1, 10_000), "address": f"地址{step}"},
                )
            time.sleep(rng.random() / 200)
    except Exception as exc:  # pragma: no cover - reported by the test
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_feed_replays_to_the_database_under_concurrent_writers(client_for):
    """On PostgreSQL appends queue on the advisory lock, on SQLite on the IMMEDIATE write
    lock: either way a reader sees every entry once, in commit order."""
    admin = user_with(Role.ADMIN)
    factories.district()
    client = client_for(admin)
    errors, seqs, state = [], [], {}
    writers = [
        threading.Thread(target=_writer, args=(admin, seed, 30, errors), name=f"writer-{seed}",
                         daemon=True)
        for seed in range(3)
    ]
    done = threading.Event()
    deadline = time.monotonic() + WAIT_SECONDS

    def reader():
        after = 0
        try:
            while time.monotonic() < deadline:
                finished = done.is_set()
                page = pull(client, after, limit=7)
                seqs.extend(row["seq"] for row in page["results"])
                _replay(state, page["results"])
                after = page["next_after"]
                if finished and not page["has_more"]:
                    return
            errors.append(TimeoutError(f"the reader had not caught up after {WAIT_SECONDS} s"))
        except Exception as exc:  # pragma: no cover - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    reading = threading.Thread(target=reader, name="reader", daemon=True)
    reading.start()
    for thread in writers:
        thread.start()
    join_all(writers, what="feed writer")
    done.set()
    join_all([reading], timeout=max(1.0, deadline - time.monotonic()), what="feed reader")

    assert errors == []
    head = JournalEntry.objects.order_by("-seq").first().seq
    assert seqs == list(range(1, head + 1))
    expected = {}
    for object_type, spec in journal.tracked_types().items():
        for obj in spec.objects():
            expected[(object_type, str(obj.pk))] = journal.snapshot(obj)
    assert state == expected
    assert Enterprise.objects.count() >= 3
    assert JournalEntry.objects.filter(action="enterprises.enterprise.deleted").exists()
