"""Help requests: due times, assignment, the state machine, comments, reminders (DESIGN §7)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from liaisons import services
from liaisons.models import HelpRequest
from liaisons.tasks import help_request_sweep
from portal import journal
from portal.models import JournalEntry, Notification
from portal.roles import Role
from tests.factories import user_with

from . import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("priority", "hours"), [("urgent", 4), ("high", 24), ("normal", 72)])
def test_due_time_follows_the_priority(priority, hours):
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    before = timezone.now()
    request = factories.help_request(enterprise, member, priority=priority)
    due = request.due_at - before
    assert datetime.timedelta(hours=hours) <= due < datetime.timedelta(hours=hours, seconds=30)


def test_goes_to_the_resident_officer_first():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    factories.family_liaison(spectrum)
    officer = factories.resident_officer(enterprise)
    request = factories.help_request(enterprise, member)
    assert request.assignee == officer
    assert Notification.objects.filter(recipient=officer, kind="help_request.assigned").exists()


def test_else_to_the_least_loaded_liaison_of_the_spectrum():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    busy = factories.family_liaison(spectrum)
    idle = factories.family_liaison(spectrum)
    first = factories.help_request(enterprise, member)
    assert first.assignee == busy  # equal load: the first by id
    second = factories.help_request(enterprise, member, title="需要通行证")
    assert second.assignee == idle
    third = factories.help_request(enterprise, member, title="第三个")
    assert third.assignee == busy


def test_else_unassigned():
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    assert factories.help_request(enterprise, member).assignee is None


def test_only_members_or_serving_officials_ask():
    enterprise, _member, _spectrum = factories.enterprise_in_spectrum()
    outsider = user_with(Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):
        factories.help_request(enterprise, outsider)


def test_the_whole_life_records_first_response_and_resolution_and_journals_each_step():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    note = factories.policy_note()
    request = factories.help_request(enterprise, member, category="policy")

    started = services.help_request_start(help_request=request, actor=liaison)
    assert started.status == "in_progress" and started.first_response_at is not None
    first_response = started.first_response_at
    resolved = services.help_request_resolve(help_request=started, actor=liaison,
                                             resolution="可申请社保减免", policy_note=note)
    assert resolved.status == "resolved" and resolved.first_response_at == first_response
    reopened = services.help_request_reopen(help_request=resolved, actor=member,
                                            reason="还没有收到答复文件")
    assert (reopened.status, reopened.reopened_count, reopened.resolved_at) == ("open", 1, None)
    again = services.help_request_resolve(help_request=reopened, actor=liaison,
                                          resolution="已发送文件")
    closed = services.help_request_confirm(help_request=again, actor=member)
    assert closed.status == "closed" and closed.closed_at is not None

    actions = list(JournalEntry.objects.filter(object_type="liaisons.helprequest",
                                               object_id=str(request.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["liaisons.helprequest.created", "liaisons.helprequest.started",
                       "liaisons.helprequest.resolved", "liaisons.helprequest.reopened",
                       "liaisons.helprequest.resolved", "liaisons.helprequest.closed"]
    kinds = set(Notification.objects.filter(recipient=member).values_list("kind", flat=True))
    assert {"help_request.started", "help_request.resolved"} <= kinds
    assert journal.verify().ok


def test_wrong_steps_are_400_naming_the_status_and_roles_are_kept():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    request = factories.help_request(enterprise, member)
    with pytest.raises(ValidationError) as error:
        services.help_request_confirm(help_request=request, actor=member)
    assert "status" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.help_request_start(help_request=request, actor=member)
    with pytest.raises(ValidationError) as error:
        services.help_request_reject(help_request=request, actor=liaison, reason=" ")
    assert "reason" in error.value.message_dict


def test_comments_reach_the_other_side_and_the_first_answer_is_the_first_response():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    liaison = factories.family_liaison(spectrum)
    request = factories.help_request(enterprise, member)
    services.help_request_comment(help_request=request, actor=member, text="很急，明天复工")
    assert Notification.objects.filter(recipient=liaison, kind="help_request.commented").exists()
    request.refresh_from_db()
    assert request.first_response_at is None
    answer = services.help_request_comment(help_request=request, actor=liaison,
                                           text="已联系物资组")
    assert answer.from_official
    request.refresh_from_db()
    assert request.first_response_at is not None
    assert Notification.objects.filter(recipient=member, kind="help_request.answered").exists()


def _make_due(request, **delta):
    """Move a request's due time (the clock is outside the project; this is the test's)."""
    HelpRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() + datetime.timedelta(
        **delta))


def test_sweep_reminds_and_escalates_once_even_when_run_twice():
    admin = user_with(Role.ADMIN, is_staff=True)
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    assignee = factories.family_liaison(spectrum)
    other = factories.family_liaison(spectrum)
    coming = factories.help_request(enterprise, member, title="快到期")
    late = factories.help_request(enterprise, member, title="已超时")
    _make_due(coming, hours=2)
    _make_due(late, hours=-1)

    first = help_request_sweep()
    second = help_request_sweep()

    assert first == {"reminded": 1, "escalated": 1}
    assert second == {"reminded": 0, "escalated": 0}
    reminder_to = Notification.objects.filter(kind="help_request.reminder")
    assert list(reminder_to.values_list("recipient", flat=True)) == [coming.assignee_id]
    overdue_to = set(Notification.objects.filter(kind="help_request.overdue")
                     .values_list("recipient", flat=True))
    late_assignee = HelpRequest.objects.get(pk=late.pk).assignee_id
    expected = {admin.pk, *({assignee.pk, other.pk} - {late_assignee})}
    assert overdue_to == expected


def test_ending_an_assignment_hands_pending_requests_to_the_successor():
    enterprise, member, spectrum = factories.enterprise_in_spectrum()
    leaving = factories.family_liaison(spectrum)
    request = factories.help_request(enterprise, member)
    assert request.assignee == leaving
    successor = factories.family_liaison(spectrum)
    assignment = leaving.assignments.get()
    services.assignment_end(assignment=assignment, actor=None,
                            on=timezone.localdate() - datetime.timedelta(days=1))
    request.refresh_from_db()
    assert request.assignee == successor
    assert JournalEntry.objects.filter(action="liaisons.helprequest.handed_over",
                                       object_id=str(request.pk)).exists()
    assert Notification.objects.filter(recipient=successor, kind="help_request.assigned").exists()


def test_a_supplies_request_has_one_seam_to_become_a_supply_request():
    enterprise, member, _spectrum = factories.enterprise_in_spectrum()
    request = factories.help_request(enterprise, member)
    with pytest.raises(ValidationError):
        services.help_request_make_supply_request(help_request=request, actor=member)
    made = []
    services.on_supply_request_wanted(lambda **kw: made.append(kw) or "supply-request")
    try:
        assert services.help_request_make_supply_request(
            help_request=request, actor=member) == "supply-request"
    finally:
        from liaisons.services import help_request as module

        module._supply_request_makers.clear()
    assert made == [{"help_request": request, "actor": member}]
