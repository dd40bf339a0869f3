"""A liaison's triage in the Django admin, in a real browser: the changelist filtered to
"assigned to me", two requests started in bulk after the confirmation page, one resolved
with a note. Screenshots of the help pages, the changelist and the figures page at 1280 px
and 390 px go to $E2E_SCREENSHOTS (a temporary folder by default)."""

import os
from pathlib import Path

import pytest

from liaisons import services
from liaisons.models import HelpRequest

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _screens(page, folder: Path, name: str, url: str) -> None:
    """Screenshots of `url` at each width; nothing may stick out sideways at 1280 px."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_load_state("load")
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        if width == 1280:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} is {overflow} px wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_liaison_triages_in_the_admin(live_server, browser_session, scene, tmp_path):
    base = live_server.url
    company, member, liaison = scene["enterprise"], scene["member"], scene["liaison"]
    asks = [("急需口罩 3000 只", "supplies", "urgent"), ("跨区通行证 12 张", "pass", "high"),
            ("稳岗返还怎么申请", "policy", "normal")]
    requests = [services.help_request_create(actor=member, enterprise=company, category=c,
                                             priority=p, title=t) for t, c, p in asks]
    assert {r.assignee_id for r in requests} == {liaison.pk}
    folder = _shots(tmp_path)

    page = browser_session("liaison")
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    log_in(page, base, "liaison")
    page.goto(f"{base}/admin/liaisons/helprequest/?assigned=me")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 3
    assert "overdue" not in (page.inner_text("#result_list") or "")
    _screens(page, folder, "admin-changelist", f"{base}/admin/liaisons/helprequest/?assigned=me")

    # Start two of them: the action asks first, then goes through the service.
    first, second, third = requests
    for request in (first, second):
        page.check(f"input[name=_selected_action][value='{request.pk}']")
    page.select_option("select[name=action]", "start")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "#" + str(first.pk) in page.inner_text("#content-main")
    assert HelpRequest.objects.filter(status="in_progress").count() == 0
    with page.expect_navigation():
        page.click("#content-main input[type=submit]")
    assert page.url.startswith(f"{base}/admin/liaisons/helprequest/")
    assert page.locator("ul.messagelist li.success").count() == 1
    statuses = dict(HelpRequest.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk], statuses[third.pk]) == (
        "in_progress", "in_progress", "open")

    # Resolve one with a note.
    page.goto(f"{base}/admin/liaisons/helprequest/?assigned=me")
    page.check(f"input[name=_selected_action][value='{first.pk}']")
    page.select_option("select[name=action]", "resolve")
    with page.expect_navigation():
        page.click("button[name=index]")
    answer = "已从区物资储备调拨口罩 3000 只，明早送达。"
    page.fill("#id_resolution", answer)
    with page.expect_navigation():
        page.click("#content-main input[type=submit]")
    first.refresh_from_db()
    assert (first.status, first.resolution) == ("resolved", answer)
    page.goto(f"{base}/admin/liaisons/helprequest/{first.pk}/change/")
    assert "liaisons.helprequest.resolved" in page.inner_text("table.history")

    _screens(page, folder, "figures", f"{base}/help/figures/")
    assert page.locator("#chart-weeks canvas").count() == 1  # ECharts drew from static
    _screens(page, folder, "work", f"{base}/help/work/")
    assert not [text for text in errors if "Content Security Policy" in text], errors

    # The enterprise's side: the help pages on a phone and a desktop.
    enterprise_page = browser_session("enterprise")
    log_in(enterprise_page, base, "enterprise")
    _screens(enterprise_page, folder, "help-list", f"{base}/help/")
    _screens(enterprise_page, folder, "help-detail", f"{base}/help/{first.pk}/")
    assert "已从区物资储备调拨" in enterprise_page.inner_text("main")
