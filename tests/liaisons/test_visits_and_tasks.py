"""Site visits and task lists (issue 11 §3): recorded by the officials serving an enterprise,
seen by the enterprise, photos checked by content, tasks closed by their owner and verified
by an official; a filing's on-site confirmation is a visit too."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from filings import services as filing_services
from filings.models import MEASURES
from liaisons import services
from liaisons.models import Task, Visit, VisitPhoto, checklist_keys
from portal.models import JournalEntry, Notification
from tests.enterprises import factories as registry
from tests.filings import factories as filing_factories

from . import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_checklist_is_the_seven_measures_plus_visitor_and_health_code_checks():
    assert checklist_keys() == (*MEASURES, "visitor_registration", "health_code_checks")
    assert "temperature_checks" in checklist_keys()


def test_liaison_records_a_visit_through_the_api(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    response = client_for(liaison).post("/api/v1/visits/", {
        "enterprise": enterprise.pk, "checklist": {"masks": True, "visitor_registration": False},
        "findings": "  访客登记缺失  ",
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["official"], body["kind"], body["findings"]) == (liaison.pk, "site_visit",
                                                                  "访客登记缺失")
    assert list(body["checklist"]) == list(checklist_keys())
    assert body["checklist"]["masks"] is True and body["checklist"]["screening"] is None
    assert JournalEntry.objects.filter(action="liaisons.visit.created",
                                       object_id=str(body["id"])).exists()
    # The enterprise reads it; another enterprise's member gets 404.
    assert client_for(member).get(f"/api/v1/visits/{body['id']}/").status_code == 200
    _other, outsider, _s = factories.enterprise_in_spectrum("别家")
    assert client_for(outsider).get(f"/api/v1/visits/{body['id']}/").status_code == 404


@pytest.mark.parametrize("checklist", [{"masks": "yes"}, {"sauna": True}, ["masks"]])
def test_a_checklist_of_unknown_items_or_non_booleans_is_a_400(client_for, checklist):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    response = client_for(liaison).post("/api/v1/visits/", {
        "enterprise": enterprise.pk, "checklist": checklist}, format="json")
    assert response.status_code == 400 and "checklist" in response.json()
    assert not Visit.objects.exists()


def test_a_visit_in_the_future_is_refused():
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    with pytest.raises(ValidationError) as error:
        factories.visit(enterprise, liaison,
                        visited_at=timezone.now() + datetime.timedelta(hours=2))
    assert "visited_at" in error.value.message_dict


def test_only_officials_serving_the_enterprise_record_visits(client_for):
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    _other, _m, other_spectrum = factories.enterprise_in_spectrum("别家")
    stranger = factories.family_liaison(other_spectrum)
    with pytest.raises(PermissionDenied):
        factories.visit(enterprise, stranger)
    response = client_for(member).post("/api/v1/visits/", {"enterprise": enterprise.pk},
                                       format="json")
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_only_the_visiting_official_corrects_the_record(client_for):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    colleague = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    url = f"/api/v1/visits/{visit.pk}/"
    refused = client_for(colleague).patch(url, {"findings": "改"}, format="json",
                                          HTTP_IF_MATCH=f'"{visit.version}"')
    assert refused.status_code == 403
    changed = client_for(liaison).patch(url, {"findings": "已整改", "checklist": {
        "health_code_checks": True}}, format="json", HTTP_IF_MATCH=f'"{visit.version}"')
    assert changed.status_code == 200, changed.content
    assert changed.json()["checklist"]["health_code_checks"] is True
    assert changed.json()["findings"] == "已整改"


def test_photo_is_an_image_checked_by_content_and_stored_re_encoded(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    url = f"/api/v1/visits/{visit.pk}/photos/"
    image = factories.png() + b"TRAILING BYTES AFTER THE IMAGE"
    added = client_for(liaison).post(url, {"file": SimpleUploadedFile("现场.png", image)},
                                     format="multipart")
    assert added.status_code == 201, added.content
    photo = VisitPhoto.objects.get()
    assert photo.content_type == "image/png" and photo.original_name == "现场.png"
    stored = photo.file.read()
    assert stored.startswith(b"\x89PNG") and b"TRAILING" not in stored
    download = client_for(member).get(f"{url}{photo.pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    # A PDF is a fine filing attachment but not a photo; a file claiming to be a PNG is not.
    pdf = client_for(liaison).post(url, {"file": SimpleUploadedFile("a.pdf", PDF)},
                                   format="multipart")
    fake = client_for(liaison).post(url, {"file": SimpleUploadedFile("b.png", b"GIF89a....")},
                                    format="multipart")
    assert pdf.status_code == fake.status_code == 400
    assert "file" in pdf.json() and "file" in fake.json()
    assert VisitPhoto.objects.count() == 1
    # The enterprise sees the photos, uploads none.
    assert client_for(member).post(url, {"file": SimpleUploadedFile(
        "c.png", factories.png())}, format="multipart").status_code == 403


def test_a_photo_over_ten_megabytes_is_refused():
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    big = SimpleUploadedFile("big.png", factories.png() + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError) as error:
        services.visit_photo_add(visit=visit, actor=liaison, upload=big)
    assert "10 MB" in str(error.value)
    assert not VisitPhoto.objects.exists()


def test_filing_confirmation_records_a_resumption_confirmation_visit():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    filing = filing_factories.filed(enterprise, member)
    filing_services.filing_confirm(filing=filing, actor=liaison, outcome="rectifying",
                                   checklist={**dict.fromkeys(MEASURES, True), "masks": False},
                                   items=["补充口罩储备"], notes="口罩不足",
                                   deadline=timezone.localdate() + datetime.timedelta(days=3))
    visit = Visit.objects.get()
    confirmation = filing.confirmations.get()
    assert (visit.kind, visit.official, visit.filing_id, visit.confirmation_id) == (
        Visit.Kind.RESUMPTION_CONFIRMATION, liaison, filing.pk, confirmation.pk)
    assert set(visit.checklist) == set(checklist_keys())
    assert visit.checklist["masks"] is False and visit.checklist["screening"] is True
    assert visit.checklist["visitor_registration"] is None  # not part of a filing's checklist
    assert "口罩不足" in visit.findings and "补充口罩储备" in visit.findings
    # It is the filing's record: changed by confirming again, not as a visit.
    with pytest.raises(ValidationError):
        services.visit_update(visit=visit, actor=liaison, fields={"findings": "改"})


def test_official_sets_a_task_from_a_visit_and_the_enterprise_is_told(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = client_for(liaison).post("/api/v1/tasks/", {
        "enterprise": enterprise.pk, "title": "落实健康码查验", "due_date": due,
        "visit": visit.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["visit"], body["owner"], body["status"], body["set_by"]) == (
        "visit", visit.pk, "enterprise", "open", liaison.pk)
    assert Notification.objects.filter(recipient=member, kind="task.created").exists()


def test_a_task_from_another_enterprises_visit_or_far_ahead_is_a_400(client_for):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    sibling = registry.enterprise(district=enterprise.district, spectrum=spectrum)
    visit = factories.visit(sibling, liaison)
    client = client_for(liaison)
    wrong_visit = client.post("/api/v1/tasks/", {
        "enterprise": enterprise.pk, "title": "x", "visit": visit.pk,
        "due_date": timezone.localdate().isoformat()}, format="json")
    far = client.post("/api/v1/tasks/", {
        "enterprise": enterprise.pk, "title": "x", "due_date": "2031-01-01"}, format="json")
    assert wrong_visit.status_code == 400 and "visit" in wrong_visit.json()
    assert far.status_code == 400 and "due_date" in far.json()
    assert not Task.objects.exists()


def test_the_enterprise_closes_its_task_and_the_official_verifies_it(client_for):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    task = factories.task(enterprise, liaison)
    url = f"/api/v1/tasks/{task.pk}/"
    assert client_for(member).post(f"{url}verify/").status_code == 403
    closed = client_for(member).post(f"{url}close/", {"note": "已补齐台账"}, format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["done_note"]) == ("done", "已补齐台账")
    assert Notification.objects.filter(recipient=liaison, kind="task.done").exists()
    again = client_for(member).post(f"{url}close/", {}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    verified = client_for(liaison).post(f"{url}verify/")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert verified.json()["verified_by"] == liaison.pk
    assert Notification.objects.filter(recipient=member, kind="task.verified").exists()
    actions = list(JournalEntry.objects.filter(object_type="liaisons.task")
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["liaisons.task.created", "liaisons.task.closed", "liaisons.task.verified"]


def test_an_official_reopens_a_task_that_is_not_done():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    task = services.task_close(task=factories.task(enterprise, liaison), actor=member)
    with pytest.raises(ValidationError):
        services.task_reopen(task=task, actor=liaison, reason="")
    reopened = services.task_reopen(task=task, actor=liaison, reason="台账仍缺 2 月数据")
    assert (reopened.status, reopened.done_at) == ("open", None)
    assert Notification.objects.filter(recipient=member, kind="task.reopened").exists()


def test_an_officials_task_is_closed_by_the_official_not_the_enterprise():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    task = factories.task(enterprise, liaison, owner="official", meeting="复工复产推进会")
    assert (task.official, task.source) == (liaison, "meeting")
    with pytest.raises(PermissionDenied):
        services.task_close(task=task, actor=member)
    assert services.task_close(task=task, actor=liaison).status == "done"


def test_a_task_of_another_enterprise_is_404(client_for):
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    task = factories.task(enterprise, liaison)
    _other, outsider, _s = factories.enterprise_in_spectrum("别家")
    assert client_for(outsider).get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert client_for(outsider).post(f"/api/v1/tasks/{task.pk}/close/").status_code == 404


def test_ending_an_assignment_hands_the_officials_tasks_to_the_successor():
    enterprise, _member, spectrum = factories.enterprise_in_spectrum()
    officer = factories.resident_officer(enterprise)
    successor = factories.family_liaison(spectrum)
    task = factories.task(enterprise, officer, owner="official")
    assignment = officer.assignments.get()
    services.assignment_end(assignment=assignment, actor=None,
                            on=timezone.localdate() - datetime.timedelta(days=1))
    task.refresh_from_db()
    assert task.official == successor
    assert JournalEntry.objects.filter(action="liaisons.task.handed_over").exists()
    assert Notification.objects.filter(recipient=successor, kind="task.handed_over").exists()


def test_the_task_page_lists_the_enterprises_tasks_and_closes_one(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    task = factories.task(enterprise, liaison, visit=visit)
    client.force_login(member)
    page = client.get("/help/tasks/")
    assert page.status_code == 200
    assert task.title in page.content.decode() and f'id="close-{task.pk}"' in page.content.decode()
    assert "健康码查验未落实" in page.content.decode()  # the visit's findings
    done = client.post(f"/help/tasks/{task.pk}/close/", {"note": "已落实"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.done_note) == ("done", "已落实")


def test_the_enterprise_sees_its_visit_photos_on_the_task_page_and_others_get_404(client):
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    visit = factories.visit(enterprise, liaison)
    photo = services.visit_photo_add(visit=visit, actor=liaison,
                                     upload=SimpleUploadedFile("门岗.png", factories.png()))
    url = f"/help/visits/{visit.pk}/photos/{photo.pk}/"
    client.force_login(member)
    assert url in client.get("/help/tasks/").content.decode()
    image = client.get(url)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    _other, outsider, _s = factories.enterprise_in_spectrum("别家")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
