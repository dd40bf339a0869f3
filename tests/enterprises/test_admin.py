"""The registry admin: scoped rows, writes through the services, bounded queries."""

import pytest

from enterprises.models import Enterprise
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = user_with(Role.ADMIN, is_staff=True)
    client.force_login(admin)
    client.user = admin
    return client


def form_data(enterprise=None, **overrides):
    data = {
        "credit_code": factories.credit_code(),
        "name": "哈尔滨宇培物流园有限公司",
        "legal_representative": "姜力明",
        "industry": "5920",
        "district": factories.district().code,
        "address": "哈尔滨经开区",
        "contact_name": "姜力明",
        "contact_phone": "13912345678",
        "employee_count": "80",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_add_goes_through_the_service_and_journal(admin_client):
    response = admin_client.post("/admin/enterprises/enterprise/add/", form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    enterprise = Enterprise.objects.get(name="哈尔滨宇培物流园有限公司")
    entry = JournalEntry.objects.get(object_type="enterprises.enterprise")
    assert (entry.object_id, entry.actor) == (str(enterprise.pk), admin_client.user)


def test_admin_change_bumps_version_and_journals_diff(admin_client):
    enterprise = factories.enterprise()
    data = form_data(
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        industry=enterprise.industry_id,
        district=enterprise.district_id,
        legal_representative=enterprise.legal_representative,
        employee_count="500",
    )
    response = admin_client.post(f"/admin/enterprises/enterprise/{enterprise.pk}/change/", data)
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.employee_count, enterprise.version) == (500, 2)
    entry = JournalEntry.objects.order_by("seq").last()
    assert entry.changes["employee_count"] == [120, 500]


def test_admin_rejects_bad_credit_code_without_writing(admin_client):
    response = admin_client.post(
        "/admin/enterprises/enterprise/add/", form_data(credit_code="91350100M000100Y44")
    )
    assert response.status_code == 200
    assert "校验码不正确" in response.content.decode()
    assert not Enterprise.objects.exists()


def test_admin_delete_goes_through_the_service(admin_client):
    enterprise = factories.enterprise()
    response = admin_client.post(
        f"/admin/enterprises/enterprise/{enterprise.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Enterprise.objects.exists()
    assert JournalEntry.objects.order_by("seq").last().op == "delete"


def test_liaison_admin_changelist_is_scoped_and_query_bounded(
    client, django_assert_max_num_queries
):
    import datetime

    from liaisons import services as liaison_services

    admin = user_with(Role.ADMIN)
    liaison = user_with(Role.LIAISON, is_staff=True)
    spectrum = factories.spectrum(actor=admin)
    mine = [factories.enterprise(actor=admin, spectrum=spectrum) for _ in range(15)]
    factories.enterprise(actor=admin, name="不在范围内的企业")
    liaison_services.assignment_create(
        actor=admin,
        official=liaison,
        kind="family_liaison",
        spectrum=spectrum,
        active_from=datetime.date(2020, 2, 10),
    )
    client.force_login(liaison)
    with django_assert_max_num_queries(14):
        page = client.get("/admin/enterprises/enterprise/").content.decode()
    assert mine[0].name in page
    assert "不在范围内的企业" not in page
