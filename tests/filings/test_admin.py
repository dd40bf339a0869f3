"""Admin: the negative list is published by an action; liaisons see only their filings."""

import pytest

from enterprises.models import District
from filings.models import Filing, NegativeList
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import PASSWORD, user_with

from . import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_admin_edits_a_draft_with_entries_and_publishes_it(client):
    admin = user_with(Role.ADMIN, is_staff=True)
    bar, member = factories.member_enterprise(industry_id="6233")
    filing = factories.filed(bar, member)
    login(client, admin)
    response = client.post("/admin/filings/negativelist/add/", {
        "title": "第二版", "effective_from": "", "note": "",
        "entries-TOTAL_FORMS": "1", "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0", "entries-MAX_NUM_FORMS": "1000",
        "entries-0-industry": "6233", "entries-0-name": "酒吧", "entries-0-reason": "暂停营业",
        "entries-0-district": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = NegativeList.objects.get()
    assert draft.entries.get().name == "酒吧" and not draft.is_published

    response = client.post("/admin/filings/negativelist/", {
        "action": "publish", "_selected_action": [draft.pk],
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    filing.refresh_from_db()
    assert draft.is_published and draft.published_by == admin
    assert filing.status == "revoked"
    page = client.get(f"/admin/filings/negativelist/{draft.pk}/change/").content.decode()
    assert 'name="title"' not in page  # read-only once published


def test_liaison_changelist_is_scoped_and_query_count_bounded(
    client, django_assert_max_num_queries,
):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.filed(enterprise, member)
    for _ in range(5):
        other, other_member = factories.member_enterprise()
        factories.filed(other, other_member)
    login(client, liaison)
    with django_assert_max_num_queries(20):
        page = client.get("/admin/filings/filing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert enterprise.name in html and other.name not in html


def test_liaison_approves_held_filings_by_admin_action(client):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.set_risk(registry.district(), District.RiskLevel.HIGH)
    held = factories.filed(enterprise, member)
    login(client, liaison)
    client.post("/admin/filings/filing/", {"action": "approve_review",
                                           "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert held.status == Filing.Status.FILED and held.reviewed_by == liaison
