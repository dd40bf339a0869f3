"""The filing decision of DESIGN §7 and the transitions around it, through the services."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from enterprises.models import District
from filings import commitment, services
from filings.models import Confirmation, Filing
from portal import journal
from portal.models import JournalEntry, Notification
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db

# 2020-02-21 10:00 in Hangzhou is 02:00 UTC.
FEB_21 = datetime.datetime(2020, 2, 21, 2, 0, tzinfo=datetime.UTC)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_submit_files_with_county_date_and_daily_sequence():
    factories.negative_list([("9011", "歌舞厅", None)])
    first, member_a = factories.member_enterprise()
    second, member_b = factories.member_enterprise()
    with at(FEB_21):
        a = factories.filed(first, member_a)
        b = factories.filed(second, member_b)
    assert (a.status, a.number) == ("filed", "330114-20200221-0001")
    assert b.number == "330114-20200221-0002"
    assert a.negative_list_id == 1 and a.verify_token
    assert a.decided_at == FEB_21 and a.decision_reason == ""


def test_sequence_resets_per_day_and_county_and_uses_shanghai_date():
    binjiang = registry.district("330108", "滨江区")
    one, m1 = factories.member_enterprise()
    two, m2 = factories.member_enterprise(district=binjiang)
    three, m3 = factories.member_enterprise()
    street = registry.district("330114002", "白杨街道", District.Level.TOWNSHIP,
                               parent=registry.district())
    four, m4 = factories.member_enterprise(district=street)
    with at(FEB_21):
        assert factories.filed(one, m1).number == "330114-20200221-0001"
        assert factories.filed(two, m2).number == "330108-20200221-0001"
    # 16:30 UTC on the 21st is already 00:30 on the 22nd in Hangzhou.
    with at(datetime.datetime(2020, 2, 21, 16, 30, tzinfo=datetime.UTC)):
        assert factories.filed(three, m3).number == "330114-20200222-0001"
        assert factories.filed(four, m4).number == "330114-20200222-0002"


def test_submit_rejects_negative_list_industry_citing_the_entry():
    factories.negative_list([("8760", "电影院", None), ("901", "室内娱乐", None)])
    cinema, member = factories.member_enterprise(industry_id="8760")
    ktv, ktv_member = factories.member_enterprise(industry_id="9011")
    rejected = factories.filed(cinema, member)
    assert rejected.status == "rejected" and rejected.number is None
    assert rejected.matched_entry.name == "电影院"
    assert rejected.decision_reason == "电影院暂不复工"
    assert rejected.negative_list_id == 1
    # A group code is a prefix of every class below it.
    assert factories.filed(ktv, ktv_member).matched_entry.industry_id == "901"


def test_district_scoped_entry_applies_below_its_district_only():
    hangzhou = registry.district().parent  # 钱塘区 lies in 杭州市
    harbin_city = registry.district("230100", "哈尔滨市", District.Level.CITY,
                                    parent=registry.district("230000", "黑龙江省",
                                                             District.Level.PROVINCE))
    daowai = registry.district("230104", "道外区", parent=harbin_city)
    factories.negative_list([("9013", "网吧", hangzhou)])
    inside, m1 = factories.member_enterprise(industry_id="9013")  # 钱塘区, under 杭州市
    outside, m2 = factories.member_enterprise(industry_id="9013", district=daowai)
    assert factories.filed(inside, m1).status == "rejected"
    assert factories.filed(outside, m2).status == "filed"


def test_high_risk_district_or_parent_needs_review_and_tells_liaisons(
    django_capture_on_commit_callbacks,
):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.set_risk(registry.district("330100"), District.RiskLevel.HIGH)
    with django_capture_on_commit_callbacks(execute=True):
        held = factories.filed(enterprise, member)
    assert held.status == "needs_review" and held.number is None
    assert "杭州市" in held.decision_reason
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert (liaison.username, "filing.needs_review") in kinds
    assert (member.username, "filing.needs_review") in kinds


def test_incomplete_measures_and_no_commitment_name_each_missing_item():
    enterprise, member = factories.member_enterprise()
    draft = services.filing_create(actor=member, enterprise=enterprise, masks=True)
    with pytest.raises(ValidationError) as raised:
        services.filing_submit(filing=draft, actor=member)
    errors = raised.value.message_dict
    assert set(errors) == {
        "screening", "dedicated_staff", "isolation_area", "disinfection", "closed_management",
        "temperature_checks", "commitment_accepted", "signer_name", "planned_resume_date",
        "employees_total", "employees_returning", "employees_from_outside",
    }
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_accepting_stores_the_commitment_text_version_and_signature_time():
    enterprise, member = factories.member_enterprise()
    draft = factories.draft(enterprise, member)
    assert draft.commitment_text == commitment.TEXT_ZH
    assert draft.commitment_version == commitment.COMMITMENT_VERSION
    assert draft.signed_at is not None
    unsigned = services.filing_update(filing=draft, actor=member,
                                      fields={"commitment_accepted": False})
    assert (unsigned.commitment_text, unsigned.signed_at) == ("", None)


def test_one_active_filing_per_enterprise_enforced_by_database_and_service():
    enterprise, member = factories.member_enterprise()
    factories.draft(enterprise, member)
    with pytest.raises(ValidationError) as raised:
        factories.draft(enterprise, member)
    assert "enterprise" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Filing.objects.create(enterprise=enterprise, status="filed")
    # A closed filing does not count.
    Filing.objects.filter(enterprise=enterprise).update(status="withdrawn")
    assert factories.draft(enterprise, member).status == "draft"


def test_employee_numbers_must_nest():
    enterprise, member = factories.member_enterprise()
    with pytest.raises(ValidationError) as raised:
        factories.draft(enterprise, member, employees_returning=300)
    assert "employees_returning" in raised.value.message_dict


def test_withdraw_and_invalid_transitions():
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    withdrawn = services.filing_withdraw(filing=filing, actor=member)
    assert withdrawn.status == "withdrawn" and withdrawn.closed_at
    with pytest.raises(ValidationError) as raised:
        services.filing_withdraw(filing=withdrawn, actor=member)
    assert "status" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.filing_submit(filing=withdrawn, actor=member)
    with pytest.raises(ValidationError):
        services.filing_update(filing=withdrawn, actor=member, fields={"masks": False})


def test_only_members_act_for_the_enterprise_and_only_serving_liaisons_confirm():
    enterprise, member = factories.member_enterprise()
    stranger = user_with(Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):
        factories.draft(enterprise, stranger)
    filing = factories.filed(enterprise, member)
    other_liaison = user_with(Role.LIAISON)
    with pytest.raises(PermissionDenied):
        services.filing_confirm(filing=filing, actor=other_liaison, outcome="confirmed",
                                checklist=factories.ALL_MEASURES)
    with pytest.raises(PermissionDenied):
        services.filing_confirm(filing=filing, actor=member, outcome="confirmed",
                                checklist=factories.ALL_MEASURES)


def test_confirm_on_site(django_capture_on_commit_callbacks):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    filing = factories.filed(enterprise, member)
    with pytest.raises(ValidationError) as raised:
        services.filing_confirm(filing=filing, actor=liaison, outcome="confirmed",
                                checklist={**factories.ALL_MEASURES, "masks": False})
    assert "checklist" in raised.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = services.filing_confirm(
            filing=filing, actor=liaison, outcome="confirmed",
            checklist=factories.ALL_MEASURES, notes="到访登记、测温、查验健康码",
        )
    assert confirmed.status == "confirmed"
    assert (confirmed.confirmed_by, confirmed.checklist["masks"]) == (liaison, True)
    assert Confirmation.objects.get().outcome == "confirmed"
    assert Notification.objects.filter(recipient=member, kind="filing.confirmed").exists()


def test_rectify_report_fixed_and_confirm_again(django_capture_on_commit_callbacks):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    filing = factories.filed(enterprise, member)
    deadline = timezone.localdate() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as raised:
        services.filing_confirm(filing=filing, actor=liaison, outcome="rectifying",
                                checklist={"masks": True})
    assert set(raised.value.message_dict) == {"items", "deadline"}
    with django_capture_on_commit_callbacks(execute=True):
        rectifying = services.filing_confirm(
            filing=filing, actor=liaison, outcome="rectifying",
            checklist={**factories.ALL_MEASURES, "isolation_area": False},
            items=["设置独立隔离观察区"], deadline=deadline,
        )
        assert rectifying.status == "rectifying"
        assert rectifying.rectification_items == ["设置独立隔离观察区"]
        reported = services.filing_report_rectified(filing=rectifying, actor=member,
                                                    report="已在一号楼设置隔离区")
    assert reported.rectification_reported_at is not None
    assert Notification.objects.filter(
        recipient=liaison, kind="filing.rectification_reported"
    ).exists()
    confirmed = services.filing_confirm(filing=reported, actor=liaison, outcome="confirmed",
                                        checklist=factories.ALL_MEASURES)
    assert confirmed.status == "confirmed" and confirmed.rectification_items == []
    assert Confirmation.objects.count() == 2


def test_review_approve_files_and_reject_needs_reason():
    enterprise, member = factories.member_enterprise()
    other, other_member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.liaison_for(other)
    factories.set_risk(registry.district(), District.RiskLevel.HIGH)
    held = factories.filed(enterprise, member)
    approved = services.filing_review(filing=held, actor=liaison, approve=True)
    assert approved.status == "filed" and approved.number.startswith("330114-")
    assert approved.reviewed_by == liaison
    with pytest.raises(ValidationError):
        services.filing_review(filing=approved, actor=liaison, approve=True)

    admin = user_with(Role.ADMIN)
    held_too = factories.filed(other, other_member)
    with pytest.raises(ValidationError) as raised:
        services.filing_review(filing=held_too, actor=admin, approve=False)
    assert "reason" in raised.value.message_dict
    rejected = services.filing_review(filing=held_too, actor=admin, approve=False,
                                      reason="隔离区不符合要求")
    assert (rejected.status, rejected.decision_reason) == ("rejected", "隔离区不符合要求")


def test_every_transition_is_journaled_and_the_journal_verifies():
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.negative_list([("8760", "电影院", None)])
    filing = factories.filed(enterprise, member)
    services.filing_confirm(
        filing=filing, actor=liaison, outcome="rectifying", checklist={"masks": True},
        items=["补充消毒液"], deadline=timezone.localdate(),
    )
    services.filing_report_rectified(filing=filing, actor=member)
    services.filing_confirm(filing=filing, actor=liaison, outcome="confirmed",
                            checklist=factories.ALL_MEASURES)
    actions = list(
        JournalEntry.objects.filter(object_type="filings.filing", object_id=str(filing.pk))
        .values_list("action", flat=True)
    )
    assert actions == [
        "filings.filing.created", "filings.filing.submitted",
        "filings.filing.rectification_required", "filings.filing.rectification_reported",
        "filings.filing.confirmed",
    ]
    entry = JournalEntry.objects.filter(action="filings.filing.submitted").get()
    assert entry.enterprise_id == enterprise.pk and entry.district == "330114"
    assert entry.changes["status"] == ["draft", "filed"]
    assert journal.verify().ok, journal.verify().problems
