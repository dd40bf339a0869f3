"""Help requests through the API, the pages and the officials' admin triage."""

import pytest

from liaisons.models import HelpRequest
from portal.models import JournalEntry
from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db


def test_enterprise_asks_through_the_api_and_an_outsider_gets_404(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    response = client_for(member).post("/api/v1/help-requests/", {
        "enterprise": enterprise.pk, "category": "pass", "priority": "urgent",
        "title": "跨区通行证 5 张",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["assignee"], body["priority"]) == ("open", liaison.pk, "urgent")
    other, other_member, _s = factories.enterprise_in_spectrum("别家")
    assert client_for(other_member).get(f"/api/v1/help-requests/{body['id']}/").status_code == 404
    started = client_for(liaison).post(f"/api/v1/help-requests/{body['id']}/start/")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    comment = client_for(member).post(f"/api/v1/help-requests/{body['id']}/comments/",
                                      {"text": "谢谢"}, format="json")
    assert comment.status_code == 201
    listed = client_for(member).get(f"/api/v1/help-requests/{body['id']}/comments/").json()
    assert [row["text"] for row in listed] == ["谢谢"]


def test_bad_priority_is_a_400_in_chinese(client_for):
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    response = client_for(member).post("/api/v1/help-requests/", {
        "enterprise": enterprise.pk, "category": "pass", "priority": "asap", "title": "x",
    }, format="json")
    assert response.status_code == 400
    assert "priority" in response.json()
    assert not HelpRequest.objects.exists()


def test_enterprise_asks_on_the_page(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    factories.family_liaison(spectrum)
    client.force_login(member)
    page = client.get("/help/")
    assert page.status_code == 200
    response = client.post("/help/", {"enterprise": enterprise.pk, "category": "labor",
                                       "priority": "high", "title": "缺操作工 20 人"})
    created = HelpRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/help/{created.pk}/"
    assert client.get(f"/help/{created.pk}/").status_code == 200


def test_liaison_sees_only_served_requests_in_the_admin_and_the_changelist_is_bounded(
    client, django_assert_max_num_queries
):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    for n in range(30):
        factories.help_request(enterprise, member, title=f"请求{n}")
    other, other_member, _s = factories.enterprise_in_spectrum("别家")
    hidden = factories.help_request(other, other_member, title="别家的请求")
    client.force_login(liaison)
    client.get("/admin/liaisons/helprequest/")  # warm the permission and content-type caches
    with django_assert_max_num_queries(10):
        response = client.get("/admin/liaisons/helprequest/?due=overdue&assigned=me")
    assert response.status_code == 200
    with django_assert_max_num_queries(10):
        response = client.get("/admin/liaisons/helprequest/")
    ids = {row.pk for row in response.context["cl"].result_list}
    assert len(ids) == 30 and hidden.pk not in ids
    assert client.get(f"/admin/liaisons/helprequest/{hidden.pk}/change/").status_code == 302


def test_bulk_start_asks_for_confirmation_then_goes_through_the_service(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    requests = [factories.help_request(enterprise, member, title=f"r{n}") for n in range(3)]
    client.force_login(liaison)
    selected = [str(r.pk) for r in requests]
    page = client.post("/admin/liaisons/helprequest/",
                       {"action": "start", "_selected_action": selected})
    assert page.status_code == 200
    assert HelpRequest.objects.filter(status="open").count() == 3
    done = client.post("/admin/liaisons/helprequest/",
                       {"action": "start", "_selected_action": selected, "confirm": "yes"})
    assert done.status_code == 302
    assert HelpRequest.objects.filter(status="in_progress").count() == 3
    assert JournalEntry.objects.filter(action="liaisons.helprequest.started").count() == 3


def test_bulk_resolve_needs_a_note(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    request = factories.help_request(enterprise, member)
    client.force_login(liaison)
    missing = client.post("/admin/liaisons/helprequest/", {
        "action": "resolve", "_selected_action": [request.pk], "confirm": "yes",
        "resolution": ""})
    assert missing.status_code == 200
    request.refresh_from_db()
    assert request.status == "open"
    client.post("/admin/liaisons/helprequest/", {
        "action": "resolve", "_selected_action": [request.pk], "confirm": "yes",
        "resolution": "已调拨口罩 3000 只"})
    request.refresh_from_db()
    assert (request.status, request.resolution) == ("resolved", "已调拨口罩 3000 只")


def test_inspector_reads_the_triage_and_changes_nothing(client):
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    request = factories.help_request(enterprise, member)
    inspector = user_with(Role.INSPECTOR, is_staff=True)
    client.force_login(inspector)
    assert client.get("/admin/liaisons/helprequest/").status_code == 200
    page = client.get(f"/admin/liaisons/helprequest/{request.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
