"""The liaison service's panel on the home page: an official's work waiting (overdue, due
today, new, not visited lately), with a search into the full list; administrators' link
to the caseloads; an enterprise's open requests and tasks."""

import datetime

from django.utils import timezone

from portal.roles import Role

from . import selectors
from .models import Assignment, HelpRequest, Task

URGENT_SHOWN = 5


def home(user) -> dict | None:
    if user.has_role(Role.LIAISON):
        now = timezone.now()
        return {
            "template": "liaisons/home_panel.html",
            "work": selectors.work_of(user),
            "now": now,
            "urgent": list(
                selectors.my_requests(user).filter(due_at__lt=now + datetime.timedelta(hours=24))
                .select_related("enterprise").order_by("due_at", "pk")[:URGENT_SHOWN]
            ),
            "assignments": list(
                Assignment.objects.filter(official=user).active()
                .select_related("spectrum", "enterprise").order_by("active_from")
            ),
            "caseloads": user.has_role(Role.ADMIN),
        }
    if user.has_role(Role.ADMIN, Role.INSPECTOR):
        return {"template": "liaisons/home_panel.html", "caseloads": True,
                "figures": user.has_role(Role.ADMIN)}
    if user.has_role(Role.ENTERPRISE):
        return {
            "template": "liaisons/home_panel.html",
            "open_requests": HelpRequest.objects.visible_to(user).pending().count(),
            "open_tasks": Task.objects.visible_to(user).filter(status=Task.Status.OPEN).count(),
        }
    return None
