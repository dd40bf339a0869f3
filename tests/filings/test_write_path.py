"""The filing write path through the API: what the database's rules answer, concurrent
requests, and how many queries a filing costs."""

import pytest
from django.db import connection

from filings.models import Filing
from portal.models import JournalEntry, Notification
from tests.threads import at_once

from . import factories
from .test_api import payload

SECOND_ACTIVE = {
    "en": "This enterprise already has an active filing; withdraw it first.",
    "zh-hans": "该企业已有有效备案，请先撤回。",
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_second_active_filing_is_400_on_enterprise_in_the_request_language(client_for,
                                                                           language):
    """The rule is the database's constraint now; the answer is the one it always was."""
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    assert client.post("/api/v1/filings/", payload(enterprise), format="json").status_code == 201
    again = client.post("/api/v1/filings/", payload(enterprise), format="json",
                        HTTP_ACCEPT_LANGUAGE=language)
    assert again.status_code == 400
    assert again.json() == {"enterprise": [SECOND_ACTIVE[language]]}
    assert Filing.objects.filter(enterprise=enterprise).count() == 1


@pytest.mark.django_db
def test_refused_second_filing_is_kept_for_its_idempotency_key(client_for):
    """The refused insert is undone alone: the 400 is stored and replayed with its key."""
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    client.post("/api/v1/filings/", payload(enterprise), format="json")
    first = client.post("/api/v1/filings/", payload(enterprise), format="json",
                        HTTP_IDEMPOTENCY_KEY="again-1", HTTP_ACCEPT_LANGUAGE="en")
    replay = client.post("/api/v1/filings/", payload(enterprise), format="json",
                         HTTP_IDEMPOTENCY_KEY="again-1", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == replay.status_code == 400
    assert replay.json() == first.json() == {"enterprise": [SECOND_ACTIVE["en"]]}
    assert replay["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.filter(action="filings.filing.created").count() == 1


@pytest.mark.django_db
def test_refused_transition_is_kept_for_its_idempotency_key(client_for):
    """A transition runs in the view's transaction with no savepoint of its own: its 400
    is still stored with the key and replayed, and the filing is left as it was."""
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    draft = client.post("/api/v1/filings/", payload(enterprise, signer_name=""),
                        format="json").json()
    url = f"/api/v1/filings/{draft['id']}/submit/"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1", HTTP_ACCEPT_LANGUAGE="en")
    replay = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == replay.status_code == 400
    assert replay.json() == first.json() and "signer_name" in first.json()
    assert replay["Idempotent-Replayed"] == "true"
    filing = Filing.objects.get(pk=draft["id"])
    assert (filing.status, filing.version) == ("draft", 1)


@pytest.mark.django_db
def test_transition_with_a_stale_if_match_is_412_and_changes_nothing(client_for):
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    draft = client.post("/api/v1/filings/", payload(enterprise), format="json").json()
    url = f"/api/v1/filings/{draft['id']}/"
    client.patch(url, {"employees_total": 240}, format="json", HTTP_IF_MATCH='"1"')
    stale = client.post(url + "submit/", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale["ETag"] == '"2"'
    assert Filing.objects.get(pk=draft["id"]).status == "draft"
    fresh = client.post(url + "submit/", HTTP_IF_MATCH='"2"')
    assert fresh.status_code == 200 and fresh["ETag"] == '"3"'
    assert fresh.json()["status"] == "filed"


@pytest.mark.django_db
def test_a_new_filing_may_follow_a_withdrawn_one(client_for):
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    first = client.post("/api/v1/filings/", payload(enterprise), format="json").json()
    client.post(f"/api/v1/filings/{first['id']}/withdraw/")
    assert client.post("/api/v1/filings/", payload(enterprise), format="json").status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_drafts_for_one_enterprise_one_wins_the_rest_get_400(client_for):
    enterprise, member = factories.member_enterprise()
    writers = 6
    clients = [client_for(member) for _ in range(writers)]

    def create(index):
        response = clients[index].post("/api/v1/filings/", payload(enterprise), format="json",
                                       HTTP_ACCEPT_LANGUAGE="en")
        return response.status_code, response.json()

    answers = at_once(writers, create)
    assert sorted(status for status, _body in answers) == [201] + [400] * (writers - 1)
    assert all(body == {"enterprise": [SECOND_ACTIVE["en"]]}
               for status, body in answers if status == 400)
    assert Filing.objects.filter(enterprise=enterprise).count() == 1
    assert JournalEntry.objects.filter(action="filings.filing.created").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_decide_once(client_for):
    """The filing is read under its row lock by the view: one submit decides, the others
    find it filed."""
    factories.negative_list([("8760", "电影院", None)])
    enterprise, member = factories.member_enterprise()
    filing = factories.draft(enterprise, member)
    writers = 4
    clients = [client_for(member) for _ in range(writers)]

    def submit(index):
        response = clients[index].post(f"/api/v1/filings/{filing.pk}/submit/")
        return response.status_code, response.json()

    answers = at_once(writers, submit)
    assert sorted(status for status, _body in answers) == [200] + [400] * (writers - 1)
    assert all("status" in body for status, body in answers if status == 400)
    filing.refresh_from_db()
    assert filing.status == "filed" and filing.version == 2
    assert JournalEntry.objects.filter(action="filings.filing.submitted").count() == 1
    assert Notification.objects.filter(kind="filing.filed").count() == 1


@pytest.mark.django_db
def test_filing_query_counts(client_for, django_assert_max_num_queries,
                             django_capture_on_commit_callbacks):
    """Regression guard for the cost of filing: each request reads its user with one
    query and its roles and permissions with another; the rest is the filing's own work
    (savepoints, the journal's append and the outbox rows included)."""
    factories.negative_list([("8760", "电影院", None)])
    warm_enterprise, warm_member = factories.member_enterprise()
    warm = client_for(warm_member)
    draft = warm.post("/api/v1/filings/", payload(warm_enterprise), format="json").json()
    warm.post(f"/api/v1/filings/{draft['id']}/submit/")  # names and entries known to the process

    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    with django_assert_max_num_queries(11):
        created = client.post("/api/v1/filings/", payload(enterprise), format="json")
    assert created.status_code == 201
    # The view reads the filing in the caller's scope (404 outside it) and the service
    # reads it again under its own row lock; PostgreSQL writes the notification and its
    # delivery in one statement, SQLite in two.
    submit_limit = 15 if connection.vendor == "postgresql" else 16
    with django_capture_on_commit_callbacks() as queued, django_assert_max_num_queries(
        submit_limit
    ):
        submitted = client.post(f"/api/v1/filings/{created.json()['id']}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "filed"
    assert Notification.objects.filter(recipient=member, kind="filing.filed").count() == 1
    assert len(queued) == 1  # its delivery, queued once the transaction commits
