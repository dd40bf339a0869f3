"""Registry facts are the officials' (DESIGN §7): the negative-list loophole and its class.

Regression (hostile test): an enterprise user whose KTV (9011) was refused PATCHed its own
industry to software, filed, and PATCHed it back; the filing stayed filed.
"""

import datetime

import pytest

from enterprises import services
from enterprises.models import Enterprise, Industry
from filings.models import Filing
from portal.models import JournalEntry, Notification
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with
from tests.filings import factories

pytestmark = pytest.mark.django_db

FACTS = {
    "credit_code": lambda: registry.credit_code(),
    "name": lambda: "改名后的有限公司",
    "legal_representative": lambda: "王五",
    "industry": lambda: "9011",
    "is_key_project": lambda: True,
}


def _patch(client, enterprise, body):
    enterprise.refresh_from_db()
    return client.patch(f"/api/v1/enterprises/{enterprise.pk}/", body, format="json",
                        HTTP_IF_MATCH=f'"{enterprise.version}"')


@pytest.mark.parametrize("name", [*FACTS, "district", "spectrum"])
def test_enterprise_staff_cannot_change_a_registry_fact_through_the_api(client_for, name):
    enterprise, member = factories.member_enterprise()
    other_district = registry.district("330108", "滨江区")
    spectrum = registry.spectrum(name="其他谱系", district_obj=other_district)
    value = {"district": other_district.code, "spectrum": spectrum.pk}.get(name)
    if value is None:
        value = FACTS[name]()
    before = Enterprise.objects.get(pk=enterprise.pk)

    response = _patch(client_for(member), enterprise, {name: value})

    assert response.status_code == 400, response.content
    assert name in response.json()
    after = Enterprise.objects.get(pk=enterprise.pk)
    assert (after.version, getattr(after, f"{name}_id", None) or getattr(after, name)) == (
        before.version, getattr(before, f"{name}_id", None) or getattr(before, name))


def test_enterprise_staff_correct_their_contact_details(client_for):
    enterprise, member = factories.member_enterprise()
    response = _patch(client_for(member), enterprise,
                      {"contact_phone": "13900001111", "address": "钱塘区新址1号"})
    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert (enterprise.contact_phone, enterprise.address) == ("13900001111", "钱塘区新址1号")


def test_a_put_repeating_unchanged_facts_is_accepted_from_enterprise_staff(client_for):
    enterprise, member = factories.member_enterprise()
    client = client_for(member)
    current = client.get(f"/api/v1/enterprises/{enterprise.pk}/").json()
    body = {name: current[name] for name in (
        "credit_code", "name", "legal_representative", "industry", "district", "address",
        "contact_name", "employee_count", "is_key_project", "spectrum")}
    body["contact_phone"] = "13700002222"
    response = client.put(f"/api/v1/enterprises/{enterprise.pk}/", body, format="json",
                          HTTP_IF_MATCH=f'"{current["version"]}"')
    assert response.status_code == 200, response.content


def test_official_changing_the_industry_into_the_negative_list_revokes_the_filing(client_for):
    admin = user_with(Role.ADMIN, is_staff=True)
    factories.negative_list([("9011", "歌舞厅娱乐活动", None)], actor=admin)
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    assert filing.status == Filing.Status.FILED

    response = _patch(client_for(admin), enterprise, {"industry": "9011"})

    assert response.status_code == 200, response.content
    filing.refresh_from_db()
    assert filing.status == Filing.Status.REVOKED
    assert filing.matched_entry.industry_id == "9011"
    assert "歌舞厅娱乐活动" in filing.decision_reason
    actions = list(JournalEntry.objects.filter(enterprise_id=enterprise.pk)
                   .order_by("-seq").values_list("action", flat=True)[:2])
    assert actions == ["filings.filing.revoked", "enterprises.enterprise.updated"]
    assert Notification.objects.filter(recipient=member, kind="filing.revoked").exists()


def test_official_changing_the_industry_elsewhere_leaves_the_filing_filed():
    admin = user_with(Role.ADMIN, is_staff=True)
    factories.negative_list([("9011", "歌舞厅娱乐活动", None)], actor=admin)
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    services.enterprise_set_registry_facts(
        enterprise=enterprise, actor=admin, fields={"industry": Industry.objects.get(code="6513")}
    )
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED


def test_moving_an_enterprise_to_another_spectrum_is_an_administrators_act(client_for):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    other = registry.spectrum(name="另一谱系", district_obj=enterprise.district)

    refused = _patch(client_for(liaison), enterprise, {"spectrum": other.pk})
    assert refused.status_code == 400
    assert "spectrum" in refused.json()
    accepted = _patch(client_for(user_with(Role.ADMIN)), enterprise, {"spectrum": other.pk})
    assert accepted.status_code == 200, accepted.content
    enterprise.refresh_from_db()
    assert enterprise.spectrum_id == other.pk


@pytest.mark.parametrize("role", [Role.LABOR_OFFICER, Role.SUPPLY_OFFICER])
def test_officers_read_the_filings_of_their_district_in_the_api_as_on_the_pages(
    client_for, client, role
):
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    officer = user_with(role)
    services.jurisdiction_add(user=officer, district=enterprise.district, actor=None)

    api = client_for(officer).get(f"/api/v1/filings/{filing.pk}/")
    client.force_login(officer)
    page = client.get(f"/filings/{filing.pk}/")

    assert api.status_code == 200, api.content
    assert page.status_code == 200
    listed = client_for(officer).get("/api/v1/filings/").json()["results"]
    assert [row["id"] for row in listed] == [filing.pk]
    write = client_for(officer).post(f"/api/v1/filings/{filing.pk}/withdraw/")
    assert write.status_code == 403


@pytest.mark.parametrize("value", ["1900-01-01", "2019-12-31", "9999-12-31"])
def test_a_planned_resumption_outside_the_sane_window_is_a_400_naming_the_field(
    client_for, value
):
    enterprise, member = factories.member_enterprise()
    body = {"enterprise": enterprise.pk, **factories.complete()}
    body = {k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in body.items()}
    measures = {name: body.pop(name) for name in list(body) if name in factories.ALL_MEASURES}
    body.update(measures=measures, planned_resume_date=value)
    response = client_for(member).post("/api/v1/filings/", body, format="json")
    assert response.status_code == 400, response.content
    assert "planned_resume_date" in response.json()
    assert not Filing.objects.exists()


def test_a_rectification_deadline_years_ahead_is_a_400_naming_the_field(client_for):
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    liaison = factories.liaison_for(enterprise)
    response = client_for(liaison).post(
        f"/api/v1/filings/{filing.pk}/confirm/",
        {"checklist": {}, "outcome": "rectifying", "items": ["隔离区"],
         "deadline": "9999-12-31"}, format="json",
    )
    assert response.status_code == 400, response.content
    assert "deadline" in response.json()
    filing.refresh_from_db()
    assert filing.status == Filing.Status.FILED
