"""The officials' admin for visits, task lists and the help-request triage at scale: forms
through the services, confirmed bulk actions, bounded queries and a count that stops."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liaisons import services
from liaisons.admin import HelpRequestAdmin
from liaisons.models import HelpRequest, Task, Visit, VisitPhoto, checklist_keys
from portal.models import JournalEntry, Notification
from portal.roles import Role
from tests.enterprises import factories as registry
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db


def _visit_form(enterprise, **extra):
    local = timezone.localtime(timezone.now() - datetime.timedelta(hours=1))
    data = {"enterprise": enterprise.pk, "visited_at_0": local.date().isoformat(),
            "visited_at_1": local.strftime("%H:%M:%S"), "findings": "消毒记录缺失"}
    for index, key in enumerate(checklist_keys()):
        data[f"checklist_{index}"] = {"disinfection": "no", "visitor_registration": ""}.get(
            key, "yes")
    data.update(extra)
    return data


def test_liaison_records_a_visit_with_photos_in_the_admin(client):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    client.force_login(liaison)
    assert client.get("/admin/liaisons/visit/add/").status_code == 200
    photos = [SimpleUploadedFile("一.png", factories.png()),
              SimpleUploadedFile("二.png", factories.png(color=(0, 90, 0)))]
    response = client.post("/admin/liaisons/visit/add/", _visit_form(enterprise, add_photos=photos))
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get()
    assert (visit.official, visit.enterprise, visit.findings) == (liaison, enterprise,
                                                                  "消毒记录缺失")
    assert visit.checklist["disinfection"] is False and visit.checklist["masks"] is True
    assert visit.checklist["visitor_registration"] is None
    assert VisitPhoto.objects.filter(visit=visit).count() == 2
    assert JournalEntry.objects.filter(action="liaisons.visitphoto.added").count() == 2
    page = client.get(f"/admin/liaisons/visit/{visit.pk}/change/")
    assert page.status_code == 200 and 'class="visit-photo"' in page.content.decode()


def test_a_photo_that_is_not_an_image_is_a_form_error_and_nothing_is_recorded(client):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    client.force_login(liaison)
    pdf = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    response = client.post("/admin/liaisons/visit/add/", _visit_form(enterprise, add_photos=[pdf]))
    assert response.status_code == 200
    assert "add_photos" in response.context["adminform"].form.errors
    assert not Visit.objects.exists()


def test_a_resumption_confirmation_visit_is_read_only_in_the_admin(client):
    from filings import services as filing_services
    from filings.models import MEASURES
    from tests.filings import factories as filing_factories

    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    filing_services.filing_confirm(filing=filing_factories.filed(enterprise, member),
                                   actor=liaison, outcome="confirmed",
                                   checklist=dict.fromkeys(MEASURES, True))
    visit = Visit.objects.get()
    client.force_login(liaison)
    page = client.get(f"/admin/liaisons/visit/{visit.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_bulk_verify_asks_first_then_verifies_done_tasks_and_names_the_others(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    done = services.task_close(task=factories.task(enterprise, liaison), actor=member)
    still_open = factories.task(enterprise, liaison, title="未完成")
    client.force_login(liaison)
    selected = [done.pk, still_open.pk]
    page = client.post("/admin/liaisons/task/", {"action": "verify",
                                                 "_selected_action": selected})
    assert page.status_code == 200 and Task.objects.filter(status="verified").count() == 0
    result = client.post("/admin/liaisons/task/", {"action": "verify", "confirm": "yes",
                                                   "_selected_action": selected}, follow=True)
    done.refresh_from_db()
    still_open.refresh_from_db()
    assert (done.status, still_open.status) == ("verified", "open")
    text = " ".join(str(m) for m in result.context["messages"])
    assert "未完成" in text


def test_visit_and_task_changelists_are_bounded(client, django_assert_max_num_queries):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    for number in range(12):
        visit = factories.visit(enterprise, liaison, findings=f"走访{number}")
        factories.task(enterprise, liaison, visit=visit, title=f"任务{number}")
    client.force_login(liaison)
    for path in ("/admin/liaisons/visit/", "/admin/liaisons/task/"):
        client.get(path)
        with django_assert_max_num_queries(10):
            assert client.get(path).status_code == 200


def test_help_request_changelist_counts_only_up_to_a_cap(client, monkeypatch):
    """Regression: the changelist counted every filtered row (a full COUNT over 100k
    requests on each page); it now stops counting a few pages past the one shown."""
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    monkeypatch.setattr(HelpRequestAdmin, "list_per_page", 2)
    for number in range(21):
        factories.help_request(enterprise, member, title=f"请求{number}")
    client.force_login(liaison)
    client.get("/admin/liaisons/helprequest/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/admin/liaisons/helprequest/")
    cl = page.context["cl"]
    assert cl.paginator.capped and cl.result_count == 20  # (1 + 9 pages) × 2
    assert "20" in page.content.decode() and len(cl.result_list) == 2
    counts = [q["sql"] for q in queries.captured_queries
              if "COUNT(" in q["sql"].upper() and "liaisons_helprequest" in q["sql"]]
    assert counts and all("LIMIT 21" in sql for sql in counts), counts
    # Further on, the cap moves with the page; near the end the count is exact.
    deep = client.get("/admin/liaisons/helprequest/?p=8")
    assert deep.status_code == 200 and not deep.context["cl"].paginator.capped
    assert deep.context["cl"].result_count == 21


def test_district_and_spectrum_filters_offer_the_officials_own(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    other, other_member, other_spectrum = factories.enterprise_in_spectrum("别家")
    factories.help_request(enterprise, member)
    factories.help_request(other, other_member)
    client.force_login(liaison)
    page = client.get("/admin/liaisons/helprequest/")
    filters = {spec.title: [choice["display"] for choice in spec.choices(page.context["cl"])]
               for spec in page.context["cl"].filter_specs}
    spectra = [name for title, names in filters.items() for name in names
               if name in (spectrum.name, other_spectrum.name)]
    assert spectra == [spectrum.name]
    filtered = client.get(f"/admin/liaisons/helprequest/?spectrum={spectrum.pk}"
                          f"&district={enterprise.district_id}")
    assert len(filtered.context["cl"].result_list) == 1


def test_release_puts_a_request_back_in_the_unassigned_queue_and_tells_administrators(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    admin = user_with(Role.ADMIN, is_staff=True)
    request = factories.help_request(enterprise, member)
    assert request.assignee == liaison
    client.force_login(liaison)
    client.post("/admin/liaisons/helprequest/", {
        "action": "release", "_selected_action": [request.pk], "confirm": "yes",
        "reason": "本周驻点"})
    request.refresh_from_db()
    assert request.assignee is None
    assert Notification.objects.filter(recipient=admin, kind="help_request.unassigned",
                                       body="本周驻点").exists()
    queue = client.get("/admin/liaisons/helprequest/?assigned=none")
    assert [r.pk for r in queue.context["cl"].result_list] == [request.pk]
    assert HelpRequest.objects.get().status == "open"


def test_an_inspector_reads_visits_and_tasks_and_changes_none(client):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    task = factories.task(enterprise, liaison)
    inspector = user_with(Role.INSPECTOR, is_staff=True)
    client.force_login(inspector)
    for path in (f"/admin/liaisons/visit/{visit.pk}/change/",
                 f"/admin/liaisons/task/{task.pk}/change/"):
        page = client.get(path)
        assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.get("/admin/liaisons/visit/add/").status_code == 403
    other = registry.enterprise(district=enterprise.district)
    assert other.pk


def test_the_visiting_official_corrects_the_checklist_in_the_admin(client):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    client.force_login(liaison)
    url = f"/admin/liaisons/visit/{visit.pk}/change/"
    form = _visit_form(enterprise)
    local = timezone.localtime(visit.visited_at)
    form.update(visited_at_0=local.date().isoformat(), visited_at_1=local.strftime("%H:%M:%S"),
                findings="已整改")
    response = client.post(url, form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit.refresh_from_db()
    assert visit.findings == "已整改" and visit.checklist["disinfection"] is False
    assert visit.version == 2
    entry = JournalEntry.objects.filter(action="liaisons.visit.updated").get()
    assert entry.actor_id == liaison.pk
