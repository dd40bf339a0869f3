"""Task lists (任务清单): what a visit or a meeting left to do, by whom and by when.

`open → done → verified`: the owner (the enterprise, or the official named) closes a task
with what was done; an official serving the enterprise verifies it, or reopens it with the
reason. When an official stops serving the enterprise, the tasks they own go to whoever
serves it now (`task_hand_over`).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.selectors import is_member, members_of
from portal import notifications
from portal.roles import Role
from portal.services import check_version, lock, tracked_create, tracked_update, unit_of_work

from ..models import Assignment, Task, Visit
from .help_request import _is_official_for, _serves, assignee_for
from .visit import require_official

Status = Task.Status
TASK_FIELDS = frozenset({"title", "description", "due_date"})
EARLIEST_DUE = datetime.date(2020, 1, 1)
HORIZON_DAYS = 366


def _url(task: Task) -> str:
    return reverse("liaisons:tasks") + f"#task-{task.pk}"


def _admin_url(task: Task) -> str:
    return reverse("admin:liaisons_task_change", args=[task.pk])


def _check_due(due_date) -> None:
    if due_date is None:
        raise ValidationError({"due_date": _("Set a due date.")})
    latest = timezone.localdate() + datetime.timedelta(days=HORIZON_DAYS)
    if due_date < EARLIEST_DUE:
        raise ValidationError({"due_date": _("The date cannot be before %(date)s.")
                               % {"date": EARLIEST_DUE.isoformat()}})
    if due_date > latest:
        raise ValidationError({"due_date": _("The date cannot be more than a year ahead (after "
                                             "%(date)s).") % {"date": latest.isoformat()}})


def _tell_owner(task: Task, *, kind: str, title: str, body: str = "") -> None:
    if task.owner == Task.Owner.ENTERPRISE:
        notifications.notify(recipients=members_of(task.enterprise), kind=kind, title=title,
                             body=body, url=_url(task), enterprise_id=task.enterprise_id)
    elif task.official_id:
        notifications.notify(recipients=[task.official], kind=kind, title=title, body=body,
                             url=_admin_url(task), enterprise_id=task.enterprise_id)


def _may_close(actor, task: Task) -> bool:
    if actor is None or actor.has_role(Role.ADMIN):
        return True
    if task.owner == Task.Owner.ENTERPRISE:
        return actor.has_role(Role.ENTERPRISE) and is_member(actor, task.enterprise)
    return actor.pk == task.official_id or (
        actor.has_role(Role.LIAISON) and _is_official_for(actor, task.enterprise)
    )


@unit_of_work
def task_create(*, actor, enterprise: Enterprise, title: str, due_date,
                owner: str = Task.Owner.ENTERPRISE, official=None, description: str = "",
                source: str | None = None, visit: Visit | None = None,
                meeting: str = "") -> Task:
    """An official sets a task for an enterprise they serve, from a visit (`visit`) or a
    meeting (`meeting` names it); its owner is told."""
    require_official(actor, enterprise)
    _check_due(due_date)
    if visit is not None and visit.enterprise_id != enterprise.pk:
        raise ValidationError({"visit": _("The visit was to another enterprise.")})
    source = source or (Task.Source.VISIT if visit is not None else Task.Source.MEETING)
    if owner == Task.Owner.OFFICIAL:
        official = official or actor
        if official is None or not _serves(official, enterprise):
            raise ValidationError({"official": _("Choose an official who serves this "
                                                 "enterprise.")})
    else:
        official = None
    task = tracked_create(
        Task, actor=actor, action="liaisons.task.created", enterprise=enterprise,
        title=(title or "").strip(), description=(description or "").strip(), owner=owner,
        official=official, due_date=due_date, source=source, visit=visit,
        meeting=(meeting or "").strip(), set_by=actor, known=("enterprise",),
    )
    if not (owner == Task.Owner.OFFICIAL and official == actor):
        _tell_owner(task, kind="task.created",
                    title=_("New task for %(enterprise)s: %(title)s")
                    % {"enterprise": enterprise.name, "title": task.title},
                    body=_("Due %(date)s.") % {"date": due_date.isoformat()})
    return task


def task_update(*, task: Task, actor, fields: dict[str, Any],
                expected_version: int | None = None) -> Task:
    """An official corrects an open task's title, description or due date."""
    extra = set(fields) - TASK_FIELDS
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.") for name in extra})
    with unit_of_work():
        current = lock(task, "enterprise")
        check_version(current, expected_version)
        require_official(actor, current.enterprise)
        if current.status != Status.OPEN:
            raise ValidationError({"status": _("Only an open task can be changed; this one "
                                               "is %(status)s.")
                                   % {"status": Status(current.status).label}})
        fields = dict(fields)
        if "due_date" in fields:
            _check_due(fields["due_date"])
        for name in ("title", "description"):
            if name in fields:
                fields[name] = (fields[name] or "").strip()
        return tracked_update(current, actor=actor, action="liaisons.task.updated",
                              fields=fields)


@unit_of_work
def task_close(*, task: Task, actor, note: str = "",
               expected_version: int | None = None) -> Task:
    """The owner reports the task done (with what was done); the officials serving the
    enterprise are told to verify it."""
    current = lock(task, "enterprise")
    check_version(current, expected_version)
    if not _may_close(actor, current):
        raise PermissionDenied(_("Only the task's owner may close it."))
    if current.status != Status.OPEN:
        raise ValidationError({"status": _("Only an open task can be closed; this one is "
                                           "%(status)s.")
                               % {"status": Status(current.status).label}})
    closed = tracked_update(current, actor=actor, action="liaisons.task.closed", fields={
        "status": Status.DONE, "done_at": timezone.now(), "done_note": (note or "").strip(),
    })
    recipients = [closed.set_by] if closed.set_by_id else []
    if not recipients:
        from ..selectors import liaisons_of

        recipients = list(liaisons_of(closed.enterprise))
    recipients = [user for user in recipients if actor is None or user.pk != actor.pk]
    notifications.notify(
        recipients=recipients, kind="task.done",
        title=_("%(enterprise)s reports done: %(title)s — please verify")
        % {"enterprise": closed.enterprise.name, "title": closed.title},
        body=closed.done_note, url=_admin_url(closed), enterprise_id=closed.enterprise_id,
    )
    return closed


@unit_of_work
def task_verify(*, task: Task, actor, expected_version: int | None = None) -> Task:
    """An official serving the enterprise checks a done task and signs it off."""
    current = lock(task, "enterprise")
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    if current.status != Status.DONE:
        raise ValidationError({"status": _("Only a done task can be verified; this one is "
                                           "%(status)s.")
                               % {"status": Status(current.status).label}})
    verified = tracked_update(current, actor=actor, action="liaisons.task.verified", fields={
        "status": Status.VERIFIED, "verified_at": timezone.now(), "verified_by": actor,
    })
    _tell_owner(verified, kind="task.verified",
                title=_("Task verified: %(title)s") % {"title": verified.title})
    return verified


@unit_of_work
def task_reopen(*, task: Task, actor, reason: str,
                expected_version: int | None = None) -> Task:
    """An official finds a done task not done after all: open again, with the reason."""
    current = lock(task, "enterprise")
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    if current.status != Status.DONE:
        raise ValidationError({"status": _("Only a done task can be reopened; this one is "
                                           "%(status)s.")
                               % {"status": Status(current.status).label}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is still missing.")})
    reopened = tracked_update(current, actor=actor, action="liaisons.task.reopened", fields={
        "status": Status.OPEN, "done_at": None,
    })
    _tell_owner(reopened, kind="task.reopened",
                title=_("Task reopened: %(title)s") % {"title": reopened.title}, body=reason)
    return reopened


def task_hand_over(*, official, assignment: Assignment, actor) -> list[Task]:
    """When `official` no longer serves what `assignment` covered, the pending tasks they
    own there go to whoever serves each enterprise now (journaled and told); with nobody
    serving it, the task becomes the enterprise's to report and the officials' to verify."""
    held = Task.objects.pending().filter(owner=Task.Owner.OFFICIAL, official=official)
    if assignment.enterprise_id:
        held = held.filter(enterprise_id=assignment.enterprise_id)
    elif assignment.spectrum_id:
        held = held.filter(enterprise__spectrum_id=assignment.spectrum_id)
    moved = []
    for task in held.select_related("enterprise").order_by("pk"):
        if _serves(official, task.enterprise):
            continue  # still serves it through another assignment
        successor = assignee_for(task.enterprise)
        fields = ({"official": successor} if successor is not None
                  else {"official": None, "owner": Task.Owner.ENTERPRISE})
        updated = tracked_update(task, actor=actor, action="liaisons.task.handed_over",
                                 fields=fields)
        if successor is not None:
            _tell_owner(updated, kind="task.handed_over",
                        title=_("Task of %(enterprise)s handed to you: %(title)s")
                        % {"enterprise": updated.enterprise.name, "title": updated.title})
        moved.append(updated)
    return moved
