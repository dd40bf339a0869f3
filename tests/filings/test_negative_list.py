"""Negative-list versions: drafts change, published ones never; publishing revokes."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from enterprises.models import Industry
from filings import services
from filings.models import NegativeList
from portal import journal
from portal.models import Notification
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db


def test_publishing_revokes_matching_filings_and_tells_members_and_liaisons(
    django_capture_on_commit_callbacks,
):
    admin = user_with(Role.ADMIN)
    factories.negative_list([("8760", "电影院", None)], actor=admin)
    bar, bar_member = factories.member_enterprise(industry_id="6233")
    liaison = factories.liaison_for(bar)
    software, software_member = factories.member_enterprise()
    bar_filing = factories.filed(bar, bar_member)
    kept = factories.filed(software, software_member)
    draft = services.negative_list_create(
        actor=admin, title="第二版", copy_from=NegativeList.objects.get(number=1)
    )
    services.negative_list_entry_add(
        negative_list=draft, actor=admin, industry=Industry.objects.get(code="6233"),
        name="酒吧", reason="酒吧暂停营业", district=registry.district("330100"),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publication = services.negative_list_publish(negative_list=draft, actor=admin)

    assert [f.pk for f in publication.revoked] == [bar_filing.pk]
    bar_filing.refresh_from_db()
    kept.refresh_from_db()
    assert bar_filing.status == "revoked" and kept.status == "filed"
    assert bar_filing.matched_entry.name == "酒吧"
    assert (bar_filing.decision_reason, bar_filing.negative_list_id) == ("酒吧暂停营业", 2)
    recipients = set(
        Notification.objects.filter(kind="filing.revoked").values_list("recipient", flat=True)
    )
    assert recipients == {bar_member.pk, liaison.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([bar_member.email, liaison.email])
    assert publication.negative_list.published_by == admin
    assert journal.verify().ok


def test_published_version_never_changes():
    admin = user_with(Role.ADMIN)
    published = factories.negative_list([("8760", "电影院", None)], actor=admin)
    entry = published.entries.get()
    with pytest.raises(ValidationError):
        services.negative_list_update(negative_list=published, actor=admin,
                                      fields={"title": "改"})
    with pytest.raises(ValidationError):
        services.negative_list_entry_add(
            negative_list=published, actor=admin, industry=Industry.objects.get(code="9013"),
            name="网吧", reason="x",
        )
    with pytest.raises(ValidationError):
        services.negative_list_entry_update(entry=entry, actor=admin, fields={"name": "改"})
    with pytest.raises(ValidationError):
        services.negative_list_entry_remove(entry=entry, actor=admin)
    with pytest.raises(ValidationError):
        services.negative_list_publish(negative_list=published, actor=admin)
    with pytest.raises(ValidationError):
        services.negative_list_delete(negative_list=published, actor=admin)


def test_current_version_is_the_newest_published():
    admin = user_with(Role.ADMIN)
    factories.negative_list([("8760", "电影院", None)], actor=admin)
    factories.negative_list([("9013", "网吧", None)], actor=admin, publish=False)
    assert NegativeList.objects.current().number == 1


def test_seed_negative_list_publishes_hangzhou_list_once():
    registry.district()  # loads 杭州市 with 钱塘区
    out = io.StringIO()
    call_command("seed_negative_list", stdout=out)
    current = NegativeList.objects.current()
    assert current.number == 1 and current.effective_from.isoformat() == "2020-02-28"
    codes = set(current.entries.values_list("industry_id", flat=True))
    assert codes == {"8760", "8820", "9019", "9011", "9012", "9013", "6233", "839"}
    assert set(current.entries.values_list("district_id", flat=True)) == {"330100"}
    call_command("seed_negative_list", stdout=out)
    assert "already" in out.getvalue()
    assert NegativeList.objects.count() == 1
    training, member = factories.member_enterprise(industry_id="8393")
    assert factories.filed(training, member).matched_entry.name == "线下培训机构"
