"""An official's day (home panel and work page), the administrators' caseloads and the
help-request figures (page, CSV, API) of issue 11 §4."""

import csv
import datetime
import io
import json
import re
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from liaisons import services
from portal.models import JournalEntry
from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_home_panel_shows_what_waits_for_the_liaison(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    now = timezone.now()
    with at(now - datetime.timedelta(hours=80)):
        overdue = factories.help_request(enterprise, member, title="逾期的请求")
    fresh = factories.help_request(enterprise, member, title="新请求")
    services.help_request_start(help_request=fresh, actor=liaison)
    factories.help_request(enterprise, member, title="刚提交")
    client.force_login(liaison)
    page = client.get("/")
    text = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'id="panel-overdue">1<', text)
    assert re.search(r'id="panel-new">2<', text)  # the overdue one is not answered either
    assert re.search(r'id="panel-stale">1<', text)  # never visited
    assert overdue.title in text


def test_work_page_lists_overdue_due_today_new_and_pages_the_unvisited(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    from tests.enterprises import factories as registry

    others = [registry.enterprise(district=enterprise.district, spectrum=spectrum,
                                  name=f"未走访企业{n:02d}") for n in range(20)]
    factories.visit(others[0], liaison)
    with at(timezone.now() - datetime.timedelta(days=20)):
        factories.visit(others[1], liaison, visited_at=timezone.now())
    with at(timezone.now() - datetime.timedelta(hours=75)):
        late = factories.help_request(enterprise, member, title="逾期")
    client.force_login(liaison)
    page = client.get("/help/work/")
    assert page.status_code == 200
    assert f'id="request-{late.pk}"' in page.content.decode()
    stale = page.context["stale"]
    # 21 enterprises; one visited today: 20 listed, never visited first, 15 a page.
    assert stale.paginator.count == 20 and len(stale.object_list) == 15
    assert stale.object_list[0].last_visit is None
    second = client.get("/help/work/?stale_page=2")
    assert [e.pk for e in second.context["stale"]][-1] == others[1].pk  # visited 20 days ago
    found = client.get("/help/work/", {"q": "未走访企业07"})
    assert [e.name for e in found.context["stale"]] == ["未走访企业07"]
    assert client.get("/help/work/?show=new").context["show"] == "new"


def test_the_stale_threshold_is_a_setting(client, settings):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    with at(timezone.now() - datetime.timedelta(days=5)):
        factories.visit(enterprise, liaison, visited_at=timezone.now())
    client.force_login(liaison)
    settings.LIAISON_VISIT_STALE_DAYS = 14
    assert client.get("/help/work/").context["stale"].paginator.count == 0
    settings.LIAISON_VISIT_STALE_DAYS = 3
    assert client.get("/help/work/").context["stale"].paginator.count == 1


def test_work_and_figures_are_for_officials_caseloads_for_administrators(client):
    _enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    liaison = user_with(Role.LIAISON, is_staff=True)
    client.force_login(member)
    for path in ("/help/work/", "/help/figures/", "/help/figures/export.csv", "/help/caseloads/"):
        assert client.get(path).status_code == 403, path
    client.force_login(liaison)
    assert client.get("/help/figures/").status_code == 200
    assert client.get("/help/caseloads/").status_code == 403


def test_caseloads_count_per_official_and_per_spectrum(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    officer = factories.resident_officer(enterprise)
    admin = user_with(Role.ADMIN, is_staff=True)
    with at(timezone.now() - datetime.timedelta(hours=80)):
        factories.help_request(enterprise, member, title="逾期")  # to the resident officer
    second = factories.help_request(enterprise, member, title="新")
    services.help_request_assign(help_request=second, actor=admin, assignee=liaison)
    factories.visit(enterprise, liaison)
    factories.task(enterprise, officer, owner="official")
    client.force_login(admin)
    page = client.get("/help/caseloads/")
    assert page.status_code == 200
    rows = {row.key: row for row in page.context["page"]}
    assert (rows[officer.pk].open, rows[officer.pk].overdue, rows[officer.pk].open_tasks) == (
        1, 1, 1)
    assert (rows[liaison.pk].open, rows[liaison.pk].visits_this_week) == (1, 1)
    assert rows[liaison.pk].enterprises == rows[officer.pk].enterprises == 1
    by_spectrum = {row.key: row for row in page.context["spectra"]}[spectrum.pk]
    assert (by_spectrum.enterprises, by_spectrum.liaisons, by_spectrum.open,
            by_spectrum.overdue, by_spectrum.visits_this_week) == (1, 1, 2, 1, 1)
    assert page.context["totals"]["unassigned"] == 0


def _solved(enterprise, member, official, raised, first_after, resolved_after, **fields):
    with at(raised):
        request = factories.help_request(enterprise, member, **fields)
    with at(raised + first_after):
        request = services.help_request_start(help_request=request, actor=official)
    with at(raised + resolved_after):
        return services.help_request_resolve(help_request=request, actor=official,
                                             resolution="已解决")


def test_figures_count_solved_and_take_medians_by_official_category_and_week(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    hours = datetime.timedelta(hours=1)
    monday = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    _solved(enterprise, member, liaison, monday, 1 * hours, 4 * hours, category="pass")
    _solved(enterprise, member, liaison, monday, 3 * hours, 10 * hours, category="pass")
    _solved(enterprise, member, liaison, monday + 7 * 24 * hours, 2 * hours, 30 * hours,
            category="supplies")
    with at(monday + 8 * 24 * hours):
        factories.help_request(enterprise, member, category="supplies", title="未处理")
    response = client_for(liaison).get("/api/v1/help-request-figures/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"]["raised"], body["total"]["solved"], body["total"]["pending"]) == (
        4, 3, 1)
    assert body["total"]["median_first_response_hours"] == 2.0
    assert body["total"]["median_resolution_hours"] == 10.0
    official = {row["key"]: row for row in body["by_official"]}[str(liaison.pk)]
    assert official["solved"] == 3 and official["label"] == str(liaison)
    category = {row["key"]: row for row in body["by_category"]}
    assert category["pass"]["median_resolution_hours"] == 7.0
    assert category["supplies"]["raised"] == 2 and category["supplies"]["solved"] == 1
    assert [row["key"] for row in body["by_week"]] == ["2026-11-02", "2026-11-09"]
    assert [row["solved"] for row in body["by_week"]] == [2, 1]
    assert body["by_spectrum"][0]["label"] == spectrum.name
    window = client_for(liaison).get("/api/v1/help-request-figures/",
                                     {"since": "2026-11-09", "until": "2026-11-30"}).json()
    assert window["total"]["raised"] == 2
    bad = client_for(liaison).get("/api/v1/help-request-figures/",
                                  {"since": "2026-11-09", "until": "2026-11-01"})
    assert bad.status_code == 400 and "until" in bad.json()


def test_figures_keep_to_the_callers_scope(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    other, other_member, _s = factories.enterprise_in_spectrum("别家")
    factories.help_request(enterprise, member)
    factories.help_request(other, other_member)
    assert client_for(liaison).get("/api/v1/help-request-figures/").json()["total"][
        "raised"] == 1
    admin = user_with(Role.ADMIN, is_staff=True)
    assert client_for(admin).get("/api/v1/help-request-figures/").json()["total"][
        "raised"] == 2
    # An enterprise reads the figures of its own requests only.
    assert client_for(member).get("/api/v1/help-request-figures/").json()["total"][
        "raised"] == 1
    officer = user_with(Role.LABOR_OFFICER)
    assert client_for(officer).get("/api/v1/help-request-figures/").status_code == 403


def test_figures_csv_is_a_spreadsheet_and_its_export_is_journaled(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    factories.help_request(enterprise, member, category="labor")
    client.force_login(liaison)
    response = client.get("/help/figures/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["dimension", "key", "label", "raised"]
    assert rows[1][:2] == ["total", ""] and rows[1][3:7] == ["1", "0", "1", "0"]
    assert any(row[0] == "category" and row[1] == "labor" for row in rows)
    entry = JournalEntry.objects.get(action="portal.export.created")
    assert entry.actor_id == liaison.pk and entry.data["model"] == "liaisons.helprequest"


def test_figures_page_draws_with_the_vendored_echarts_and_no_inline_script(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    factories.help_request(enterprise, member)
    client.force_login(liaison)
    page = client.get("/help/figures/")
    html = page.content.decode()
    assert '/static/vendor/echarts/echarts.min.js"' in html
    assert "/static/liaisons/figures.js" in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    data = re.search(r'<script id="figures-data" type="application/json">(.*?)</script>', html,
                     re.S)
    assert json.loads(data.group(1))["total"]["raised"] == 1
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_echarts_is_vendored_at_the_version_package_json_pins():
    root = Path(settings.BASE_DIR)
    pinned = json.loads((root / "package.json").read_text())["dependencies"]["echarts"]
    locked = json.loads((root / "package-lock.json").read_text())
    assert locked["packages"]["node_modules/echarts"]["version"] == pinned
    vendored = root / "static/vendor/echarts"
    assert (vendored / "VERSION").read_text().split() == ["echarts", pinned]
    head = (vendored / "echarts.min.js").read_bytes()[:2000]
    assert b"Apache" in head or b"echarts" in head
    assert (vendored / "LICENSE").exists()
    assert "vendor:" in (root / "Makefile").read_text()
