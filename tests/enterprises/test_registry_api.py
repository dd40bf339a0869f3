"""Districts, industries, spectra and memberships over the API."""

import pytest

from enterprises import services
from enterprises.models import Membership
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


def test_industries_come_from_gbt4754_and_filter_by_prefix(client_for):
    client = client_for(user_with(Role.ENTERPRISE))
    sections = client.get("/api/v1/industries/?level=section&page_size=50").json()["results"]
    assert [row["code"] for row in sections] == list("ABCDEFGHIJKLMNOPQRST")
    software = client.get("/api/v1/industries/6513/").json()
    assert (software["name"], software["parent"]) == ("应用软件开发", "651")
    codes = [row["code"] for row in client.get("/api/v1/industries/?code=901").json()["results"]]
    assert codes == ["901", "9011", "9012", "9013", "9019"]


def test_districts_show_risk_level_and_its_change_is_journaled(client_for):
    admin = user_with(Role.ADMIN)
    district = factories.district()
    services.district_set_risk_level(district=district, risk_level="high", actor=admin)
    body = client_for(user_with(Role.LIAISON)).get(f"/api/v1/districts/{district.code}/").json()
    assert body["risk_level"] == "high"
    assert body["risk_since"] is not None
    entry = JournalEntry.objects.order_by("seq").last()
    assert entry.action == "enterprises.district.risk_level_set"
    assert entry.changes["risk_level"] == ["low", "high"]


def test_spectrum_update_needs_if_match(client_for):
    admin = user_with(Role.ADMIN)
    spectrum = factories.spectrum(actor=admin)
    client = client_for(admin)
    url = f"/api/v1/spectra/{spectrum.pk}/"
    assert client.patch(url, {"description": "x"}, format="json").status_code == 428
    response = client.patch(
        url, {"description": "生物医药企业"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    assert response.json()["description"] == "生物医药企业"


def test_admin_manages_memberships_and_member_sees_only_its_own(client_for):
    admin = user_with(Role.ADMIN)
    member = user_with(Role.ENTERPRISE)
    enterprise = factories.enterprise(actor=admin)
    other = factories.enterprise(actor=admin)
    services.membership_add(user=user_with(Role.ENTERPRISE), enterprise=other, actor=admin)
    response = client_for(admin).post(
        "/api/v1/memberships/", {"user": member.pk, "enterprise": enterprise.pk}, format="json"
    )
    assert response.status_code == 201
    mine = client_for(member).get("/api/v1/memberships/").json()["results"]
    assert [row["enterprise"] for row in mine] == [enterprise.pk]
    denied = client_for(member).post(
        "/api/v1/memberships/", {"user": member.pk, "enterprise": other.pk}, format="json"
    )
    assert denied.status_code == 403


def test_removing_a_membership_removes_access(client_for):
    admin = user_with(Role.ADMIN)
    member = user_with(Role.ENTERPRISE)
    enterprise = factories.enterprise(actor=member)
    membership = Membership.objects.get(user=member)
    client = client_for(member)
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 200
    assert client_for(admin).delete(f"/api/v1/memberships/{membership.pk}/",
                                    HTTP_IF_MATCH=f'"{membership.version}"').status_code == 204
    assert client.get(f"/api/v1/enterprises/{enterprise.pk}/").status_code == 404
    entry = JournalEntry.objects.order_by("seq").last()
    assert (entry.action, entry.op, entry.enterprise_id) == (
        "enterprises.membership.removed",
        "delete",
        enterprise.pk,
    )


def test_duplicate_credit_code_is_a_field_error(client_for):
    admin = user_with(Role.ADMIN)
    existing = factories.enterprise(actor=admin)
    from tests.enterprises.test_api import payload

    response = client_for(admin).post(
        "/api/v1/enterprises/", payload(credit_code=existing.credit_code), format="json"
    )
    assert response.status_code == 400
    assert "credit_code" in response.json()
