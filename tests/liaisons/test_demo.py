"""The liaison service's demo data (`seed_demo`): work in every state for the officials'
pages, the story's resident officers for 28 companies, written once and journaled."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from liaisons import selectors
from liaisons.models import Assignment, HelpRequest, PolicyNote, Task, Visit, VisitPhoto
from portal import journal
from portal.models import JournalEntry, User

pytestmark = pytest.mark.django_db

ENTERPRISES = 600  # 5 % key projects: 30, enough for the 28 the two officers share


def _seed():
    out = io.StringIO()
    call_command("seed_demo", enterprises=ENTERPRISES, stdout=out)
    return out.getvalue()


def test_demo_has_liaison_work_in_every_state_written_once(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-Horse-2020")
    _seed()
    now = timezone.now()
    requests = HelpRequest.objects.all()
    assert set(requests.values_list("status", flat=True)) == set(HelpRequest.Status.values)
    assert set(requests.values_list("priority", flat=True)) == set(HelpRequest.Priority.values)
    assert requests.overdue(now).exists() and requests.filter(assignee__isnull=True).exists()
    assert requests.filter(reopened_count__gt=0).exists()
    assert requests.filter(comments__policy_note__valid_to__lt=now.date()).exists()
    assert PolicyNote.objects.count() >= 5
    assert Visit.objects.count() >= 40 and VisitPhoto.objects.exists()
    assert set(Task.objects.values_list("status", flat=True)) == set(Task.Status.values)
    assert set(Task.objects.values_list("source", flat=True)) == set(Task.Source.values)
    # The story's resident officers: two of them for 28 companies.
    shared = (Assignment.objects.filter(kind="resident_officer").values("official__username")
              .annotate(n=Count("enterprise")))
    served = {row["official__username"]: row["n"] for row in shared}
    assert served["officer_01"] == served["officer_02"] == 28
    # The demo liaison has work waiting; the story's company has tasks and an answer.
    liaison = User.objects.get(username="liaison")
    work = selectors.work_of(liaison)
    assert work.overdue and work.due_today and work.new and work.tasks_to_verify
    assert work.not_visited
    member = User.objects.get(username="enterprise")
    assert Task.objects.visible_to(member).filter(status="open").exists()
    assert HelpRequest.objects.visible_to(member).filter(status="resolved").exists()
    figures = selectors.help_request_figures(User.objects.get(username="admin"))
    assert figures.total.solved >= 50 and len(figures.by_week) >= 6
    assert journal.verify().ok

    counts = (HelpRequest.objects.count(), Visit.objects.count(), Task.objects.count(),
              JournalEntry.objects.count())
    output = _seed()
    assert (HelpRequest.objects.count(), Visit.objects.count(), Task.objects.count(),
            JournalEntry.objects.count()) == counts
    assert "nothing new written" in output
