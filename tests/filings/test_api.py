"""The filings API: drafts with If-Match, the decision actions, scope and error shapes."""

import datetime

import pytest
from django.utils import timezone

from filings.models import Filing
from portal.models import JournalEntry, Notification
from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db

MEASURES_ON = dict(factories.ALL_MEASURES)


def payload(enterprise, **overrides):
    data = {
        "enterprise": enterprise.pk,
        "planned_resume_date": "2020-02-21",
        "employees_total": 230,
        "employees_returning": 180,
        "employees_from_outside": 35,
        "measures": MEASURES_ON,
        "commitment_accepted": True,
        "signer_name": "董叶明",
    }
    data.update(overrides)
    return data


def test_create_update_with_if_match_and_submit(client_for, django_capture_on_commit_callbacks):
    factories.negative_list([("8760", "电影院", None)])
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    created = client.post("/api/v1/filings/", payload(
        enterprise, measures={"masks": True}, commitment_accepted=False
    ), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["measures"]["masks"] is True
    assert body["measures"]["screening"] is False
    url = f"/api/v1/filings/{body['id']}/"

    assert client.patch(url, {"measures": MEASURES_ON}, format="json").status_code == 428
    updated = client.patch(url, {"measures": MEASURES_ON, "commitment_accepted": True},
                           format="json", HTTP_IF_MATCH='"1"')
    assert updated.status_code == 200, updated.json()
    assert updated["ETag"] == '"2"'
    assert updated.json()["commitment_version"] == "2020-02-v1"
    stale = client.patch(url, {"signer_name": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412

    with django_capture_on_commit_callbacks(execute=True):
        submitted = client.post(url + "submit/")
    assert submitted.status_code == 200, submitted.json()
    result = submitted.json()
    assert result["status"] == "filed"
    assert result["number"].startswith("330114-")
    assert result["negative_list_version"] == 1
    assert Notification.objects.filter(recipient=member, kind="filing.filed").exists()
    assert JournalEntry.objects.filter(action="filings.filing.submitted",
                                       actor=member).exists()


def test_submit_of_incomplete_filing_is_400_naming_each_missing_item(client_for):
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    body = client.post("/api/v1/filings/", {"enterprise": enterprise.pk,
                                            "measures": {"masks": True}}, format="json").json()
    response = client.post(f"/api/v1/filings/{body['id']}/submit/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.json()
    for name in ("screening", "dedicated_staff", "isolation_area", "disinfection",
                 "closed_management", "temperature_checks", "commitment_accepted",
                 "signer_name", "planned_resume_date"):
        assert name in errors, name
    assert "masks" not in errors
    assert "Isolation area" in errors["isolation_area"][0] or "isolation" in \
        errors["isolation_area"][0]


def test_rejected_filing_cites_the_entry(client_for):
    factories.negative_list([("6233", "酒吧", None)])
    enterprise, member = factories.member_enterprise(industry_id="6233")
    client = client_for(member)
    body = client.post("/api/v1/filings/", payload(enterprise), format="json").json()
    result = client.post(f"/api/v1/filings/{body['id']}/submit/").json()
    assert result["status"] == "rejected"
    assert result["decision_reason"] == "酒吧暂不复工"
    assert result["matched_entry"] is not None and result["number"] is None


def test_another_enterprise_gets_404_and_cannot_create_for_it(client_for):
    enterprise, member = factories.member_enterprise()
    other, other_member = factories.member_enterprise()
    theirs = factories.draft(other, other_member)
    client = client_for(member)
    assert client.get(f"/api/v1/filings/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/filings/{theirs.pk}/submit/").status_code == 404
    assert client.post(f"/api/v1/filings/{theirs.pk}/withdraw/").status_code == 404
    response = client.post("/api/v1/filings/", payload(other), format="json")
    assert response.status_code == 400 and "enterprise" in response.json()
    assert client.get("/api/v1/filings/").json()["results"] == []


def test_second_active_filing_is_400(client_for):
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    assert client.post("/api/v1/filings/", payload(enterprise), format="json").status_code == 201
    again = client.post("/api/v1/filings/", payload(enterprise), format="json")
    assert again.status_code == 400 and "enterprise" in again.json()


def test_liaison_confirms_reviews_and_enterprise_reports_rectified(client_for):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    filing = factories.filed(enterprise, member)
    liaison_client, member_client = client_for(liaison), client_for(member)
    url = f"/api/v1/filings/{filing.pk}/"

    assert member_client.post(url + "confirm/", {"outcome": "confirmed",
                                                 "checklist": MEASURES_ON},
                              format="json").status_code == 403
    deadline = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = liaison_client.post(url + "confirm/", {
        "outcome": "rectifying", "checklist": {**MEASURES_ON, "masks": False},
        "items": ["口罩储备不足"], "deadline": deadline,
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "rectifying"
    assert response.json()["rectification_items"] == ["口罩储备不足"]

    response = member_client.post(url + "report-rectified/", {"report": "已补充口罩"},
                                  format="json")
    assert response.status_code == 200 and response.json()["rectification_reported_at"]
    response = liaison_client.post(url + "confirm/", {"outcome": "confirmed",
                                                      "checklist": MEASURES_ON}, format="json")
    assert response.json()["status"] == "confirmed"
    assert liaison_client.post(url + "review/", {"approve": True},
                               format="json").status_code == 400


def test_invalid_transition_is_400_with_status_message(client_for):
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    client = client_for(member)
    response = client.post(f"/api/v1/filings/{filing.pk}/submit/")
    assert response.status_code == 400 and "status" in response.json()


def test_inspector_reads_everything_but_changes_nothing(client_for):
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    inspector = client_for(user_with(Role.INSPECTOR))
    assert inspector.get(f"/api/v1/filings/{filing.pk}/").status_code == 200
    assert inspector.post(f"/api/v1/filings/{filing.pk}/withdraw/").status_code == 403
    assert Filing.objects.get(pk=filing.pk).status == "filed"


def test_list_query_count_is_constant(client_for, django_assert_max_num_queries):
    admin = user_with(Role.ADMIN)
    for _ in range(8):
        enterprise, member = factories.member_enterprise()
        factories.filed(enterprise, member)
    client = client_for(admin)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/filings/?status=filed")
    assert len(response.json()["results"]) == 8
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    factories.draft(enterprise, member)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/filings/").json()["results"]) == 1


def test_negative_list_endpoint_returns_current_version_for_every_role(client_for):
    assert client_for(user_with(Role.ENTERPRISE)).get("/api/v1/negative-list/").status_code \
        == 404
    factories.negative_list([("8760", "电影院", None)])
    factories.negative_list([("9013", "网吧", None)], publish=False)
    for role in (Role.ENTERPRISE, Role.LIAISON, Role.LABOR_OFFICER, Role.SUPPLY_OFFICER,
                 Role.INSPECTOR):
        response = client_for(user_with(role)).get("/api/v1/negative-list/")
        assert response.status_code == 200, role
        body = response.json()
        assert body["number"] == 1 and body["published"] is True
        assert [e["industry"] for e in body["entries"]] == ["8760"]
    enterprise_client = client_for(user_with(Role.ENTERPRISE))
    assert enterprise_client.get("/api/v1/negative-list/1/").status_code == 200
    assert enterprise_client.get("/api/v1/negative-list/2/").status_code == 404
    assert enterprise_client.post("/api/v1/negative-list/", {}).status_code in (403, 405)


def test_idempotent_submit_replays(client_for):
    enterprise, member = factories.member_enterprise()
    filing = factories.draft(enterprise, member)
    client = client_for(member)
    url = f"/api/v1/filings/{filing.pk}/submit/"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["number"] == second.json()["number"]
