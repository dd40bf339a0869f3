"""The enterprise's pages on a phone: the form, the result, the receipt, the public check."""

import datetime
import re

import pytest

from filings import commitment, services
from filings.models import MEASURES, Confirmation, Filing
from filings.services.common import local_date
from portal.models import JournalEntry
from portal.roles import Role
from tests.factories import PASSWORD, user_with

from . import factories

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_data(**overrides):
    data = {
        "planned_resume_date": "2020-02-21",
        "employees_total": "230",
        "employees_returning": "180",
        "employees_from_outside": "35",
        "signer_name": "董叶明",
        "commitment_accepted": "on",
        **{name: "on" for name in factories.ALL_MEASURES},
        "action": "submit",
    }
    data.update(overrides)
    return data


def test_form_shows_the_commitment_in_full(client):
    enterprise, member = factories.member_enterprise()
    page = login(client, member).get(f"/filings/new/?enterprise={enterprise.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    for paragraph in commitment.TEXT_ZH.split("\n\n"):
        assert paragraph.splitlines()[0] in html
    assert 'id="submit-filing"' in html and 'id="save-draft"' in html


def test_incomplete_draft_is_saved_and_errors_show_next_to_fields(client):
    enterprise, member = factories.member_enterprise()
    login(client, member)
    data = form_data(action="save")
    for name in ("masks", "commitment_accepted"):
        data.pop(name)
    response = client.post(f"/filings/new/?enterprise={enterprise.pk}", data)
    filing = Filing.objects.get(enterprise=enterprise)
    assert response.status_code == 302 and response.url == f"/filings/{filing.pk}/edit/"
    assert filing.status == "draft" and filing.masks is False

    data = form_data(version=str(filing.version))
    data.pop("masks")
    response = client.post(f"/filings/{filing.pk}/edit/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="errors-masks"' in html
    filing.refresh_from_db()
    assert filing.status == "draft" and filing.commitment_accepted


def test_submit_shows_the_result_and_receipt_has_number_and_qr(client):
    factories.negative_list([("8760", "电影院", None)])
    enterprise, member = factories.member_enterprise()
    login(client, member)
    response = client.post(f"/filings/new/?enterprise={enterprise.pk}", form_data(),
                           follow=True)
    filing = Filing.objects.get(enterprise=enterprise)
    html = response.content.decode()
    assert filing.status == "filed"
    assert filing.number in html and 'data-status="filed"' in html
    receipt = client.get(f"/filings/{filing.pk}/receipt/").content.decode()
    assert filing.number in receipt and enterprise.credit_code in receipt
    assert "<svg" in receipt
    assert f"http://testserver/v/{filing.verify_token}/" in receipt


def test_rejected_result_names_the_entry(client):
    factories.negative_list([("8760", "电影院", None)])
    enterprise, member = factories.member_enterprise(industry_id="8760")
    login(client, member)
    html = client.post(f"/filings/new/?enterprise={enterprise.pk}", form_data(),
                       follow=True).content.decode()
    assert 'data-status="rejected"' in html and "电影院" in html


def test_verify_page_is_public_shows_only_allowed_fields_and_says_revoked(client):
    enterprise, member = factories.member_enterprise(industry_id="6233")
    filing = factories.filed(enterprise, member)
    url = f"/v/{filing.verify_token}/"
    html = client.get(url).content.decode()
    assert enterprise.name in html and filing.number in html
    assert enterprise.credit_code not in html and enterprise.address not in html
    assert member.username not in html and "董叶明" not in html
    assert 'data-status="filed"' in html

    factories.negative_list([("6233", "酒吧", None)])
    html = client.get(url).content.decode()
    assert 'data-status="revoked"' in html and "已撤销：本备案已失效。" in html
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revoked: this filing is no longer valid." in english
    assert client.get("/v/not-a-token/").status_code == 404


def test_history_lists_filings_and_other_enterprises_get_404(client):
    enterprise, member = factories.member_enterprise()
    filing = factories.filed(enterprise, member)
    services.filing_withdraw(filing=filing, actor=member)
    login(client, member)
    html = client.get("/filings/").content.decode()
    assert filing.number in html and f'id="file-{enterprise.pk}"' in html
    other, other_member = factories.member_enterprise()
    theirs = factories.draft(other, other_member)
    assert client.get(f"/filings/{theirs.pk}/").status_code == 404
    assert client.get(f"/filings/new/?enterprise={other.pk}").status_code == 404


def test_liaison_confirms_on_the_phone_page(client):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    filing = factories.filed(enterprise, member)
    login(client, liaison)
    assert client.get(f"/filings/{filing.pk}/confirm/").status_code == 200
    data = {"form": "confirm", "outcome": "confirmed",
            **{f"check_{name}": "on" for name in factories.ALL_MEASURES}}
    response = client.post(f"/filings/{filing.pk}/confirm/", data)
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == "confirmed"


def test_home_shows_filing_panels_per_role(client):
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    factories.filed(enterprise, member)
    html = login(client, member).get("/").content.decode()
    assert 'id="filings-panel"' in html
    client.logout()
    html = login(client, liaison).get("/").content.decode()
    assert 'id="filings-work"' in html and enterprise.name in html
    assert re.search(r"0\D+1\D+0", html)
    # Regression: this used to assert only that the factory returned a user. An inspector
    # files nothing and handles no filing: neither panel is theirs.
    client.logout()
    html = login(client, user_with(Role.INSPECTOR)).get("/").content.decode()
    assert 'id="filings-panel"' not in html and 'id="filings-work"' not in html


def ticked_boxes(html) -> set[str]:
    """The measures whose checkbox the confirmation page renders ticked."""
    boxes = re.findall(r'<input type="checkbox" name="check_([a-z_]+)"([^>]*)>', html)
    assert {name for name, _ in boxes} == set(MEASURES)
    return {name for name, attributes in boxes if re.search(r"\bchecked\b", attributes)}


def test_confirmation_checklist_holds_only_what_the_liaison_ticked(client):
    # The enterprise declared all seven measures; the liaison verifies two of them.
    enterprise, member = factories.member_enterprise()
    liaison = factories.liaison_for(enterprise)
    filing = factories.filed(enterprise, member)
    assert all(filing.measures.values())
    login(client, liaison)
    page = client.get(f"/filings/{filing.pk}/confirm/")
    assert page.status_code == 200
    form = page.context["confirm_form"]
    assert not any(form[f"check_{name}"].value() for name in MEASURES)
    assert ticked_boxes(page.content.decode()) == set()

    ticked = {"masks", "disinfection"}
    response = client.post(f"/filings/{filing.pk}/confirm/", {
        "form": "confirm", "outcome": "rectifying",
        "items": "设置独立隔离区\n补全员工健康档案",
        "deadline": (local_date() + datetime.timedelta(days=7)).isoformat(),
        **{f"check_{name}": "on" for name in ticked},
    })
    assert response.status_code == 302
    expected = {name: name in ticked for name in MEASURES}
    confirmation = Confirmation.objects.get(filing=filing)
    assert confirmation.checklist == expected
    entry = JournalEntry.objects.get(action="filings.confirmation.created",
                                     object_id=str(confirmation.pk))
    assert entry.data["checklist"] == expected
    filing_entry = JournalEntry.objects.get(action="filings.filing.rectification_required",
                                            object_id=str(filing.pk))
    assert filing_entry.data["checklist"] == expected

    # The next visit starts from what was found on site, not from the enterprise's form.
    again = client.get(f"/filings/{filing.pk}/confirm/").content.decode()
    assert ticked_boxes(again) == ticked and 'id="checklist-from-last"' in again
