"""The inspectors' audit pages: journal with filters, timelines, CSV export, integrity."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from enterprises import services
from portal import journal
from portal.audit import selectors
from portal.audit import services as audit_services
from portal.models import JournalAnchor, JournalEntry, JournalVerification
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def history():
    """Two enterprises made by an administrator; the first one updated twice."""
    admin = user_with(Role.ADMIN, username="chief")
    first = factories.enterprise(actor=admin, employee_count=120)
    second = factories.enterprise(actor=admin)
    services.enterprise_update(enterprise=first, actor=admin, fields={"employee_count": 300})
    services.enterprise_set_registry_facts(
        enterprise=first, actor=admin, fields={"name": "杭州新名称有限公司"}
    )
    return {"admin": admin, "first": first, "second": second}


@pytest.fixture
def inspector(client):
    user = user_with(Role.INSPECTOR, username="inspector1")
    client.force_login(user)
    return user


def listed(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [entry.seq for entry in response.context["page"].entries]


def seqs(**lookups) -> list[int]:
    return list(
        JournalEntry.objects.filter(**lookups).order_by("-seq").values_list("seq", flat=True)
    )


def counted_journal(captured) -> bool:
    return any(
        "COUNT(" in query["sql"].upper() and "portal_journalentry" in query["sql"]
        for query in captured.captured_queries
    )


def last_entry() -> JournalEntry:
    return JournalEntry.objects.order_by("-seq").first()


# --- the journal page ------------------------------------------------------------------------


def test_journal_page_lists_newest_first_in_chinese_by_default(client, history, inspector):
    head = last_entry().seq
    response = client.get("/audit/")
    assert listed(response) == list(range(head, 0, -1))
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "操作日志" in page  # the audit navigation, translated
    assert "杭州新名称有限公司" in page  # the summary of the last change
    assert f"/audit/object/enterprises.enterprise/{history['first'].pk}/" in page


def test_journal_page_in_english(client, history, inspector):
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page
    assert "Journal audit" in page and "Export CSV" in page
    assert "操作日志" not in page


def test_filter_by_enterprise(client, history, inspector):
    first = history["first"]
    response = client.get("/audit/", {"enterprise": first.pk})
    assert listed(response) == seqs(enterprise_id=first.pk)
    assert len(listed(response)) == 3


def test_filter_by_object_type_and_id(client, history, inspector):
    assert listed(client.get("/audit/", {"object_type": "enterprises.district"})) == seqs(
        object_type="enterprises.district"
    )
    second = history["second"]
    response = client.get(
        "/audit/", {"object_type": "enterprises.enterprise", "object_id": second.pk}
    )
    assert listed(response) == seqs(object_type="enterprises.enterprise", object_id=second.pk)


def test_filter_by_action_exact_and_prefix(client, history, inspector):
    updated = seqs(action="enterprises.enterprise.updated")
    assert len(updated) == 2
    assert listed(client.get("/audit/", {"action": "enterprises.enterprise.updated"})) == updated
    every = seqs(action__startswith="enterprises.enterprise.")
    assert listed(client.get("/audit/", {"action": "enterprises.enterprise"})) == every
    assert listed(client.get("/audit/", {"action": "enterprises.enterprise."})) == every
    assert listed(client.get("/audit/", {"action": "enterprises.enter*"})) == every
    assert listed(client.get("/audit/", {"action": "enterprises.enter"})) == []


def test_filter_by_actor_id_or_username(client, history, inspector):
    admin = history["admin"]
    mine = seqs(actor=admin)
    assert len(mine) == 4
    assert listed(client.get("/audit/", {"actor": admin.pk})) == mine
    assert listed(client.get("/audit/", {"actor": "chief"})) == mine
    assert listed(client.get("/audit/", {"actor": "nobody"})) == []


def test_filter_by_shanghai_date_range(client, inspector, monkeypatch):
    """Dates are days in Asia/Shanghai: 23:30 and 00:30 local fall on different days although
    both are the same day in UTC."""
    late = datetime.datetime(2020, 2, 10, 23, 30, tzinfo=SHANGHAI)
    early = datetime.datetime(2020, 2, 11, 0, 30, tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: late)
    on_tenth = factories.enterprise()
    monkeypatch.setattr(timezone, "now", lambda: early)
    on_eleventh = factories.enterprise()
    monkeypatch.undo()

    def enterprises_on(**dates):
        response = client.get("/audit/", {"object_type": "enterprises.enterprise", **dates})
        return {JournalEntry.objects.get(seq=seq).object_id for seq in listed(response)}

    assert enterprises_on(at_from="2020-02-10", at_to="2020-02-10") == {str(on_tenth.pk)}
    assert enterprises_on(at_from="2020-02-11", at_to="2020-02-11") == {str(on_eleventh.pk)}
    assert enterprises_on(at_from="2020-02-10", at_to="2020-02-11") == {
        str(on_tenth.pk), str(on_eleventh.pk),
    }
    assert enterprises_on(at_to="2020-02-09") == set()


def test_invalid_filters_show_errors_and_no_rows(client, history, inspector):
    response = client.get(
        "/audit/", {"at_from": "2020-02-11", "at_to": "2020-02-10", "enterprise": "abc"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert listed(response) == []
    page = response.content.decode()
    assert "The end date is before the start date." in page
    assert "Correct the filters above" in page


def test_pages_by_seq_keyset_without_counting(client, history, inspector, monkeypatch,
                                              django_assert_max_num_queries):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    head = last_entry().seq
    seen, response = [], client.get("/audit/")
    for _ in range(head + 1):  # a page that never ends would loop forever
        page = response.context["page"]
        seen += [entry.seq for entry in page.entries]
        if page.older_before is None:
            break
        response = client.get("/audit/", {"before": page.older_before})
    else:
        pytest.fail(f"paging did not end after {head + 1} pages")
    # Each page view was journaled meanwhile, but pages below the first stay put.
    assert seen == list(range(head, 0, -1))

    newer = client.get("/audit/", {"after": 3}).context["page"]
    assert [entry.seq for entry in newer.entries] == [6, 5, 4]
    assert newer.older_before == 4 and newer.newer_after == 6

    with django_assert_max_num_queries(14) as captured:
        client.get("/audit/", {"before": head, "enterprise": history["first"].pk})
    assert not counted_journal(captured)


def test_list_page_query_count_does_not_grow_with_rows(client, inspector,
                                                       django_assert_max_num_queries):
    admin = user_with(Role.ADMIN)
    for _ in range(selectors.PAGE_SIZE + 5):
        factories.enterprise(actor=admin)
    with django_assert_max_num_queries(14):
        response = client.get("/audit/")
    assert len(listed(response)) == selectors.PAGE_SIZE
    assert response.context["page"].older_before is not None


def test_viewing_the_journal_is_journaled_and_the_chain_stays_intact(client, history, inspector):
    first = history["first"]
    before = last_entry().seq
    client.get("/audit/", {"enterprise": first.pk, "action": "enterprises.enterprise"})
    entry = last_entry()
    assert entry.seq == before + 1
    assert (entry.action, entry.op, entry.object_type, entry.object_id) == (
        "portal.audit.viewed", "event", "portal.audit", "journal",
    )
    assert entry.actor == inspector
    assert entry.data == {
        "filters": {"enterprise": str(first.pk), "action": "enterprises.enterprise"},
        "rows": 3,
    }
    assert journal.verify().ok


# --- timeline --------------------------------------------------------------------------------


def test_timeline_shows_each_change_before_and_after(client, history, inspector):
    first = history["first"]
    response = client.get(f"/audit/object/enterprises.enterprise/{first.pk}/")
    assert response.status_code == 200
    steps = response.context["steps"]
    assert [step.entry.action for step in steps] == [
        "enterprises.enterprise.created",
        "enterprises.enterprise.updated",
        "enterprises.enterprise.updated",
    ]
    created, count_change, rename = steps
    assert ("name", first.name) in created.data and created.diff == []
    assert count_change.diff == [("employee_count", "120", "300")]
    assert rename.diff == [("name", first.name, "杭州新名称有限公司")]
    page = response.content.decode()
    assert "120</td>" in page and "300</td>" in page and "→" in page

    entry = last_entry()
    assert (entry.action, entry.object_id, entry.data) == (
        "portal.audit.timeline_viewed", f"enterprises.enterprise:{first.pk}", {"rows": 3},
    )


def test_timeline_in_english_and_of_an_unknown_object(client, inspector):
    page = client.get("/audit/object/enterprises.enterprise/999/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "The journal holds no entry for this object." in page.content.decode()


# --- CSV export ------------------------------------------------------------------------------


def read_csv(response):
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_streams_the_filtered_journal_as_csv(client, history, inspector):
    first = history["first"]
    response = client.get("/audit/export.csv", {"enterprise": first.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="journal-')
    header, *rows = read_csv(response)
    assert header == [
        "seq", "at", "actor", "ip", "action", "object_type", "object_id", "enterprise_id", "op",
        "changes", "hash",
    ]
    expected = list(JournalEntry.objects.filter(enterprise_id=first.pk).order_by("seq"))
    assert [int(row[0]) for row in rows] == [entry.seq for entry in expected]
    last = dict(zip(header, rows[-1], strict=True))
    assert last["actor"] == expected[-1].actor_label
    assert last["action"] == "enterprises.enterprise.updated"
    assert last["enterprise_id"] == str(first.pk)
    assert last["hash"] == expected[-1].hash
    assert "杭州新名称有限公司" in last["changes"]
    assert last["at"].endswith("+08:00")

    exported = JournalEntry.objects.filter(action="portal.audit.exported").get()
    assert exported.actor == inspector
    assert exported.data["filters"] == {"enterprise": str(first.pk)}
    assert exported.data["rows"] == len(expected)
    assert exported.data["through_seq"] == exported.seq - 1
    assert journal.verify().ok


def test_export_neutralises_spreadsheet_formulas():
    assert selectors._cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert selectors._cell("张三") == "张三"


def test_export_with_invalid_filters_is_refused(client, inspector):
    response = client.get("/audit/export.csv", {"enterprise": "abc"})
    assert response.status_code == 400
    assert not JournalEntry.objects.filter(action="portal.audit.exported").exists()


# --- integrity -------------------------------------------------------------------------------


def test_integrity_page_before_any_verification(client, history, inspector):
    head = last_entry()
    response = client.get("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    assert "The journal has not been verified yet." in page
    assert head.hash in page and "No anchor recorded yet." in page
    assert "操作日志" in client.get("/audit/integrity/").content.decode()


def test_verify_now_runs_records_and_anchors(client, history, inspector):
    head = last_entry()
    response = client.post("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and response["Location"] == "/audit/integrity/"
    run = JournalVerification.objects.get()
    assert (run.ok, run.trigger, run.actor, run.head_seq, run.head_hash) == (
        True, "manual", inspector, head.seq, head.hash,
    )
    assert run.entries == head.seq and run.objects_reconciled >= 2
    anchor = JournalAnchor.objects.get()
    assert (anchor.seq, anchor.hash) == (head.seq, head.hash)

    page = client.get("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Verification finished: the journal is intact." in page
    assert "Intact" in page and f"#{head.seq}" in page
    assert journal.verify().ok


def test_verify_now_is_queued_on_a_long_journal(client, history, inspector, monkeypatch,
                                                 django_capture_on_commit_callbacks):
    monkeypatch.setattr(audit_services, "SYNC_VERIFY_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    run = JournalVerification.objects.get()  # eager in tests; a worker runs it otherwise
    assert (run.ok, run.trigger, run.actor) == (True, "manual", inspector)
    page = client.get("/audit/integrity/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The verification has been queued" in page


def test_integrity_view_is_journaled(client, history, inspector):
    head = last_entry().seq
    client.get("/audit/integrity/")
    entry = last_entry()
    assert (entry.action, entry.object_id, entry.data, entry.actor) == (
        "portal.audit.viewed", "integrity", {"head_seq": head}, inspector,
    )


# --- access ----------------------------------------------------------------------------------

PAGES = [
    "/audit/", "/audit/export.csv", "/audit/integrity/", "/audit/object/enterprises.enterprise/1/",
]


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.LIAISON, Role.LABOR_OFFICER])
def test_other_roles_are_refused(client, history, role):
    client.force_login(user_with(role))
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/audit/integrity/").status_code == 403
    assert not JournalVerification.objects.exists()
    assert not JournalEntry.objects.filter(op="event").exists()


def test_anonymous_is_sent_to_login(client):
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_administrators_may_audit_too(client, history):
    client.force_login(history["admin"])
    assert client.get("/audit/").status_code == 200


def test_home_links_inspectors_to_the_audit_pages(client, inspector):
    page = client.get("/").content.decode()
    assert 'href="/audit/"' in page and 'href="/audit/integrity/"' in page
    client.force_login(user_with(Role.ENTERPRISE))
    assert 'href="/audit/"' not in client.get("/").content.decode()
