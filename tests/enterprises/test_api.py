import pytest

from enterprises.models import Enterprise
from liaisons import services as liaison_services
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


def payload(**overrides):
    data = {
        "credit_code": factories.credit_code(),
        "name": "杭州平治信息技术有限公司",
        "legal_representative": "董叶明",
        "industry": "6513",
        "district": factories.district().code,
        "address": "杭州市钱塘区",
        "contact_name": "董叶明",
        "contact_phone": "+86 138 1234 5678",
        "employee_count": 230,
    }
    data.update(overrides)
    return data


def test_token_then_create_enterprise_journals_and_adds_membership(client_for, api):
    user = user_with(Role.ENTERPRISE)
    api_response = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": "Correct-Horse-42"}
    )
    assert api_response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_response.json()['token']}")

    response = api.post("/api/v1/enterprises/", payload(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contact_phone"] == "13812345678"
    assert response["ETag"] == '"1"'
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert enterprise.memberships.filter(user=user).exists()
    entry = JournalEntry.objects.filter(object_type="enterprises.enterprise").get()
    assert entry.action == "enterprises.enterprise.created"
    assert entry.actor == user
    assert entry.enterprise_id == enterprise.pk
    assert entry.data["contact_phone"] == "138****5678"
    assert entry.data["credit_code"] == enterprise.credit_code


def test_bad_credit_code_gets_field_error_in_chinese_by_default(client_for):
    client = client_for(user_with(Role.ADMIN))
    response = client.post(
        "/api/v1/enterprises/", payload(credit_code="91350100M000100Y44"), format="json"
    )
    assert response.status_code == 400
    assert "校验" in response.json()["credit_code"][0]
    assert not Enterprise.objects.exists()
    assert not JournalEntry.objects.filter(object_type="enterprises.enterprise").exists()


def test_field_errors_follow_accept_language(client_for):
    client = client_for(user_with(Role.ADMIN))
    response = client.post(
        "/api/v1/enterprises/",
        payload(contact_phone="12345"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["contact_phone"] == [
        "Enter a mainland China mobile number: 11 digits starting with 13–19."
    ]


def test_update_needs_if_match_and_rejects_stale_version(client_for):
    admin = user_with(Role.ADMIN)
    enterprise = factories.enterprise(actor=admin)
    client = client_for(admin)
    url = f"/api/v1/enterprises/{enterprise.pk}/"

    assert client.patch(url, {"employee_count": 300}, format="json").status_code == 428
    ok = client.patch(url, {"employee_count": 300}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    stale = client.patch(url, {"employee_count": 310}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    enterprise.refresh_from_db()
    assert (enterprise.employee_count, enterprise.version) == (300, 2)
    entry = JournalEntry.objects.filter(object_id=str(enterprise.pk)).last()
    assert entry.changes == {"employee_count": [120, 300]}


def test_member_of_another_enterprise_gets_404(client_for):
    own = user_with(Role.ENTERPRISE)
    other = user_with(Role.ENTERPRISE)
    mine = factories.enterprise(actor=own)
    theirs = factories.enterprise(actor=other)
    client = client_for(own)

    assert client.get(f"/api/v1/enterprises/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/enterprises/{theirs.pk}/").status_code == 404
    listed = client.get("/api/v1/enterprises/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]


def test_enterprise_staff_cannot_set_official_fields(client_for):
    client = client_for(user_with(Role.ENTERPRISE))
    response = client.post("/api/v1/enterprises/", payload(is_key_project=True), format="json")
    assert response.status_code == 400
    assert "is_key_project" in response.json()


def test_liaison_sees_enterprises_of_assigned_spectrum_only_while_active(client_for):
    import datetime

    admin = user_with(Role.ADMIN)
    liaison = user_with(Role.LIAISON)
    spectrum = factories.spectrum(actor=admin)
    inside = factories.enterprise(actor=admin, spectrum=spectrum)
    outside = factories.enterprise(actor=admin)
    assignment = liaison_services.assignment_create(
        actor=admin,
        official=liaison,
        kind="family_liaison",
        spectrum=spectrum,
        active_from=datetime.date(2020, 2, 1),
    )
    client = client_for(liaison)
    ids = [row["id"] for row in client.get("/api/v1/enterprises/").json()["results"]]
    assert ids == [inside.pk]
    assert client.get(f"/api/v1/enterprises/{outside.pk}/").status_code == 404

    liaison_services.assignment_end(
        assignment=assignment, actor=admin, on=datetime.date(2020, 3, 1)
    )
    assert client.get("/api/v1/enterprises/").json()["results"] == []


def test_filters_by_district_industry_prefix_and_search(client_for, django_assert_max_num_queries):
    admin = user_with(Role.ADMIN)
    binjiang = factories.district("330108", "滨江区")
    a = factories.enterprise(actor=admin, name="宇培物流园", industry_id="5920")
    b = factories.enterprise(actor=admin, district=binjiang, industry_id="6513")
    client = client_for(admin)

    def ids(query):
        return [row["id"] for row in client.get("/api/v1/enterprises/" + query).json()["results"]]

    assert ids("?district=330108") == [b.pk]
    assert ids("?district=330100") == [a.pk, b.pk]
    assert ids("?industry=59") == [a.pk]
    assert ids("?search=宇培") == [a.pk]
    assert ids(f"?search={b.credit_code.lower()}") == [b.pk]
    for _ in range(20):
        factories.enterprise(actor=admin)
    with django_assert_max_num_queries(5):  # token, perms (2), roles, page
        assert len(ids("?page_size=50")) == 22


def test_anonymous_gets_401(api):
    assert api.get("/api/v1/enterprises/").status_code == 401
