"""The filing flow in a real browser: an enterprise user files, sees the instant result and
opens the receipt; the spectrum's liaison then confirms the filing on site."""

import datetime

import pytest
from django.utils import timezone

from filings.models import MEASURES, Confirmation, Filing

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_enterprise_files_and_opens_receipt_then_liaison_confirms(
    live_server, browser_session, scene, tmp_path
):
    base = live_server.url
    company = scene["enterprise"]

    # The enterprise user: home page → the filing form.
    page = browser_session("enterprise")
    log_in(page, base, "enterprise")
    assert page.url == f"{base}/"
    assert company.name in page.inner_text("#filings-panel")
    with page.expect_navigation():
        page.click(f"#filing-status-{company.pk} a.file-link")
    assert page.url.startswith(f"{base}/filings/new/")

    resume_on = timezone.localdate() + datetime.timedelta(days=2)
    page.fill("#id_planned_resume_date", resume_on.isoformat())
    page.fill("#id_employees_total", "230")
    page.fill("#id_employees_returning", "180")
    page.fill("#id_employees_from_outside", "35")
    for measure in MEASURES:
        page.check(f"#id_{measure}")
    page.fill("#id_signer_name", "董叶明")
    page.check("#id_commitment_accepted")
    with page.expect_navigation():
        page.click("#submit-filing")

    # The instant result: filed, with its number.
    filing = Filing.objects.get(enterprise=company)
    assert filing.status == Filing.Status.FILED
    assert (filing.planned_resume_date, filing.employees_total) == (resume_on, 230)
    assert all(filing.measures.values()) and filing.signer_name == "董叶明"
    assert page.url == f"{base}/filings/{filing.pk}/"
    assert page.get_attribute("#filing-result", "data-status") == "filed"
    assert filing.number in page.inner_text("#filing-number")
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    # The receipt: the number and the QR code of the public verify page.
    with page.expect_navigation():
        page.click("#receipt-link")
    assert page.url == f"{base}/filings/{filing.pk}/receipt/"
    assert filing.number in page.inner_text("#receipt-number")
    assert page.locator("#receipt-qr svg").count() == 1
    assert f"/v/{filing.verify_token}/" in page.inner_text("#receipt-qr figcaption")
    page.screenshot(path=str(tmp_path / "receipt.png"), full_page=True)

    # The liaison, in a browser of their own: the work list → the on-site confirmation.
    page = browser_session("liaison")
    log_in(page, base, "liaison")
    with page.expect_navigation():
        page.click(f"#filings-work a[href='/filings/{filing.pk}/confirm/']")
    for measure in MEASURES:  # nothing ticked in advance: the liaison ticks what is found
        assert not page.is_checked(f"#id_check_{measure}")
        page.check(f"#id_check_{measure}")
    page.check("input[name=outcome][value=confirmed]")
    page.fill("#id_notes", "现场核查：七项防控措施均已落实。")
    with page.expect_navigation():
        page.click("#submit-confirmation")

    assert page.url == f"{base}/filings/{filing.pk}/"
    assert page.get_attribute("#filing-result", "data-status") == "confirmed"
    page.screenshot(path=str(tmp_path / "confirmed.png"), full_page=True)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.CONFIRMED
    assert filing.confirmed_by == scene["liaison"]
    confirmation = Confirmation.objects.get(filing=filing)
    assert confirmation.outcome == Confirmation.Outcome.CONFIRMED
    assert confirmation.notes == "现场核查：七项防控措施均已落实。"
