"""Help requests: raised by an enterprise, triaged by the officials serving it (DESIGN §7).

`open → in_progress → resolved → closed`, or `rejected` with a reason; the enterprise
confirms a resolution (closed) or reopens it with a reason. Each answer is announced to the
other side. Due times follow the priority; overdue requests remind and escalate once each.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.selectors import is_member, members_of
from portal import notifications
from portal.roles import Role
from portal.services import check_version, lock, tracked_create, tracked_update, unit_of_work

from ..models import Assignment, HelpRequest, HelpRequestComment, PolicyNote
from ..selectors import liaisons_of

Status = HelpRequest.Status

# DESIGN §7: priority → time to resolve.
DUE_IN = {
    HelpRequest.Priority.URGENT: datetime.timedelta(hours=4),
    HelpRequest.Priority.HIGH: datetime.timedelta(hours=24),
    HelpRequest.Priority.NORMAL: datetime.timedelta(hours=72),
}
# How long before the due time the assignee is reminded.
REMIND_BEFORE = {
    HelpRequest.Priority.URGENT: datetime.timedelta(hours=1),
    HelpRequest.Priority.HIGH: datetime.timedelta(hours=4),
    HelpRequest.Priority.NORMAL: datetime.timedelta(hours=12),
}

# What the enterprise fills in when it asks.
REQUEST_FIELDS = frozenset({"category", "priority", "title", "description"})

# Where a supplies request turns into a supply request, once the supplies app offers it:
# `callback(help_request=..., actor=...) -> object`. One seam, filled from its AppConfig.
_supply_request_makers: list = []


def on_supply_request_wanted(callback) -> None:
    if callback not in _supply_request_makers:
        _supply_request_makers.append(callback)


# --- who -----------------------------------------------------------------------------------


def _is_official_for(actor, enterprise) -> bool:
    """Administrators, and the liaisons who serve the enterprise now."""
    if actor is None or actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.LIAISON) and Enterprise.objects.visible_to(actor).filter(
        pk=enterprise.pk
    ).exists()


def require_official(actor, enterprise) -> None:
    """An administrator, or a liaison serving the enterprise now; else PermissionDenied."""
    if not _is_official_for(actor, enterprise):
        raise PermissionDenied(_("Only an official serving this enterprise may do this."))


def _require_member(actor, enterprise) -> None:
    if actor is None or actor.has_role(Role.ADMIN):
        return
    if actor.has_role(Role.ENTERPRISE) and is_member(actor, enterprise):
        return
    raise PermissionDenied(_("Only a member of the enterprise may do this."))


def _require_status(help_request: HelpRequest, allowed, message: str) -> None:
    if help_request.status not in allowed:
        raise ValidationError(
            {"status": message % {"status": HelpRequest.Status(help_request.status).label}}
        )


def pending_load():
    """Officials annotated with how many pending requests they hold."""
    return models.Count(
        "assigned_help_requests",
        filter=models.Q(assigned_help_requests__status__in=HelpRequest.PENDING),
    )


def assignee_for(enterprise: Enterprise):
    """Who a new request of `enterprise` goes to: its resident officer (驻厂员), else the
    least-loaded active family liaison of its spectrum, else nobody (the unassigned queue,
    which administrators watch)."""
    active = Assignment.objects.active().filter(official__is_active=True)
    resident = (
        active.filter(enterprise_id=enterprise.pk, kind=Assignment.Kind.RESIDENT_OFFICER)
        .select_related("official").order_by("active_from", "pk").first()
    )
    if resident is not None:
        return resident.official
    if not enterprise.spectrum_id:
        return None
    liaisons = active.filter(spectrum_id=enterprise.spectrum_id,
                             kind=Assignment.Kind.FAMILY_LIAISON).values("official")
    return (
        get_user_model().objects.filter(pk__in=liaisons, groups__name=Role.LIAISON)
        .annotate(load=pending_load()).order_by("load", "pk").first()
    )


def _url(help_request: HelpRequest) -> str:
    return reverse("liaisons:help-request", args=[help_request.pk])


def _admin_url(help_request: HelpRequest) -> str:
    return reverse("admin:liaisons_helprequest_change", args=[help_request.pk])


def _tell_enterprise(help_request: HelpRequest, *, kind: str, title: str, body: str = ""):
    notifications.notify(
        recipients=members_of(help_request.enterprise), kind=kind, title=title, body=body,
        url=_url(help_request), enterprise_id=help_request.enterprise_id,
    )


def _tell_officials(help_request: HelpRequest, recipients, *, kind: str, title: str,
                    body: str = ""):
    notifications.notify(
        recipients=recipients, kind=kind, title=title, body=body,
        url=_admin_url(help_request), enterprise_id=help_request.enterprise_id,
    )


def _lock(help_request: HelpRequest) -> HelpRequest:
    return lock(help_request, "enterprise")


# --- the enterprise asks -------------------------------------------------------------------


@unit_of_work
def help_request_create(*, actor, enterprise: Enterprise, category: str, title: str,
                        priority: str = HelpRequest.Priority.NORMAL,
                        description: str = "") -> HelpRequest:
    """An enterprise asks for help (or a liaison on its behalf). The due time follows the
    priority; the request goes to `assignee_for(enterprise)`, who is told at once."""
    if not (actor is None or actor.has_role(Role.ADMIN)
            or (actor.has_role(Role.ENTERPRISE) and is_member(actor, enterprise))
            or _is_official_for(actor, enterprise)):
        raise PermissionDenied(_("Only a member of the enterprise or an official serving it "
                                 "may ask for help for it."))
    now = timezone.now()
    due = DUE_IN.get(priority)
    if due is None:
        raise ValidationError({"priority": _("Choose urgent, high or normal.")})
    assignee = assignee_for(enterprise)
    request = tracked_create(
        HelpRequest, actor=actor, action="liaisons.helprequest.created", enterprise=enterprise,
        category=category, priority=priority, title=(title or "").strip(),
        description=(description or "").strip(), raised_by=actor, assignee=assignee,
        due_at=now + due, known=("enterprise",),
    )
    if assignee is not None:
        _tell_officials(
            request, [assignee], kind="help_request.assigned",
            title=_("New help request from %(enterprise)s: %(title)s")
            % {"enterprise": enterprise.name, "title": request.title},
            body=_("Due %(due)s.") % {"due": timezone.localtime(request.due_at)
                                       .strftime("%Y-%m-%d %H:%M")},
        )
    return request


def help_request_update(*, help_request: HelpRequest, actor, fields: dict[str, Any],
                        expected_version: int | None = None) -> HelpRequest:
    """The enterprise corrects what it asked while nobody has started on it."""
    extra = set(fields) - {"title", "description", "category"}
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.") for name in extra})
    with unit_of_work():
        current = _lock(help_request)
        check_version(current, expected_version)
        _require_member(actor, current.enterprise)
        _require_status(current, (Status.OPEN,),
                        _("Only an open request can be changed; this one is %(status)s."))
        return tracked_update(current, actor=actor, action="liaisons.helprequest.updated",
                              fields=fields)


# --- the officials answer ------------------------------------------------------------------


def _responded(current: HelpRequest, now) -> dict[str, Any]:
    return {} if current.first_response_at else {"first_response_at": now}


@unit_of_work
def help_request_start(*, help_request: HelpRequest, actor,
                       expected_version: int | None = None) -> HelpRequest:
    """An official takes the request up (and becomes its assignee if it had none)."""
    current = _lock(help_request)
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    _require_status(current, (Status.OPEN,),
                    _("Only an open request can be started; this one is %(status)s."))
    now = timezone.now()
    fields = {"status": Status.IN_PROGRESS, **_responded(current, now)}
    if current.assignee_id is None and actor is not None:
        fields["assignee"] = actor
    started = tracked_update(current, actor=actor, action="liaisons.helprequest.started",
                             fields=fields)
    _tell_enterprise(started, kind="help_request.started",
                     title=_("Your request “%(title)s” is being handled")
                     % {"title": started.title})
    return started


@unit_of_work
def help_request_resolve(*, help_request: HelpRequest, actor, resolution: str,
                         policy_note: PolicyNote | None = None,
                         expected_version: int | None = None) -> HelpRequest:
    """An official answers the request as solved; the enterprise confirms or reopens."""
    current = _lock(help_request)
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    _require_status(current, HelpRequest.PENDING,
                    _("Only an open or started request can be resolved; this one is "
                      "%(status)s."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the request was resolved.")})
    now = timezone.now()
    fields = {"status": Status.RESOLVED, "resolution": resolution, "resolved_at": now,
              **_responded(current, now)}
    if current.assignee_id is None and actor is not None:
        fields["assignee"] = actor
    resolved = tracked_update(current, actor=actor, action="liaisons.helprequest.resolved",
                              fields=fields)
    tracked_create(
        HelpRequestComment, actor=actor, action="liaisons.helprequestcomment.added",
        help_request=resolved, author=actor, text=resolution, policy_note=policy_note,
        from_official=True, known=("help_request",),
    )
    _tell_enterprise(resolved, kind="help_request.resolved",
                     title=_("Your request “%(title)s” is resolved: please confirm")
                     % {"title": resolved.title}, body=resolution)
    return resolved


@unit_of_work
def help_request_reject(*, help_request: HelpRequest, actor, reason: str,
                        expected_version: int | None = None) -> HelpRequest:
    current = _lock(help_request)
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    _require_status(current, HelpRequest.PENDING,
                    _("Only an open or started request can be rejected; this one is "
                      "%(status)s."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the request.")})
    now = timezone.now()
    rejected = tracked_update(
        current, actor=actor, action="liaisons.helprequest.rejected",
        fields={"status": Status.REJECTED, "rejection_reason": reason, "closed_at": now,
                **_responded(current, now)},
    )
    _tell_enterprise(rejected, kind="help_request.rejected",
                     title=_("Your request “%(title)s” was rejected") % {"title": rejected.title},
                     body=reason)
    return rejected


@unit_of_work
def help_request_assign(*, help_request: HelpRequest, actor, assignee,
                        expected_version: int | None = None) -> HelpRequest:
    """Give a pending request to another official serving the enterprise."""
    current = _lock(help_request)
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    _require_status(current, HelpRequest.PENDING,
                    _("Only an open or started request can be reassigned; this one is "
                      "%(status)s."))
    if assignee is None or not _serves(assignee, current.enterprise):
        raise ValidationError({"assignee": _("Choose an official who serves this enterprise.")})
    if assignee.pk == current.assignee_id:
        return current
    assigned = tracked_update(current, actor=actor, action="liaisons.helprequest.assigned",
                              fields={"assignee": assignee})
    _tell_officials(assigned, [assignee], kind="help_request.assigned",
                    title=_("Help request of %(enterprise)s assigned to you: %(title)s")
                    % {"enterprise": assigned.enterprise.name, "title": assigned.title})
    return assigned


@unit_of_work
def help_request_release(*, help_request: HelpRequest, actor, reason: str = "",
                         expected_version: int | None = None) -> HelpRequest:
    """Put a pending request back in the unassigned queue (its assignee cannot take it:
    leave, the wrong official), for the administrators to give to someone."""
    current = _lock(help_request)
    check_version(current, expected_version)
    require_official(actor, current.enterprise)
    _require_status(current, HelpRequest.PENDING,
                    _("Only an open or started request can be put back in the queue; this "
                      "one is %(status)s."))
    if current.assignee_id is None:
        return current
    released = tracked_update(current, actor=actor, action="liaisons.helprequest.released",
                              fields={"assignee": None})
    admins = get_user_model().objects.filter(groups__name=Role.ADMIN, is_active=True)
    _tell_officials(released, admins, kind="help_request.unassigned",
                    title=_("Back in the unassigned queue: %(title)s (%(enterprise)s)")
                    % {"title": released.title, "enterprise": released.enterprise.name},
                    body=(reason or "").strip())
    return released


def _serves(user, enterprise) -> bool:
    return (user.is_active and user.has_role(Role.LIAISON)
            and Enterprise.objects.visible_to(user).filter(pk=enterprise.pk).exists())


# --- the enterprise closes or reopens --------------------------------------------------------


@unit_of_work
def help_request_confirm(*, help_request: HelpRequest, actor,
                         expected_version: int | None = None) -> HelpRequest:
    """The enterprise confirms the resolution: the request is closed."""
    current = _lock(help_request)
    check_version(current, expected_version)
    _require_member(actor, current.enterprise)
    _require_status(current, (Status.RESOLVED,),
                    _("Only a resolved request can be confirmed; this one is %(status)s."))
    closed = tracked_update(current, actor=actor, action="liaisons.helprequest.closed",
                            fields={"status": Status.CLOSED, "closed_at": timezone.now()})
    if closed.assignee_id:
        _tell_officials(closed, [closed.assignee], kind="help_request.closed",
                        title=_("%(enterprise)s confirmed the resolution of “%(title)s”")
                        % {"enterprise": closed.enterprise.name, "title": closed.title})
    return closed


@unit_of_work
def help_request_reopen(*, help_request: HelpRequest, actor, reason: str,
                        expected_version: int | None = None) -> HelpRequest:
    """The enterprise says the resolution did not solve it: open again, due anew."""
    current = _lock(help_request)
    check_version(current, expected_version)
    _require_member(actor, current.enterprise)
    _require_status(current, (Status.RESOLVED,),
                    _("Only a resolved request can be reopened; this one is %(status)s."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is not solved.")})
    now = timezone.now()
    reopened = tracked_update(
        current, actor=actor, action="liaisons.helprequest.reopened",
        fields={"status": Status.OPEN, "resolved_at": None, "reopened_count":
                current.reopened_count + 1, "due_at": now + DUE_IN[current.priority],
                "reminded_at": None, "escalated_at": None},
    )
    tracked_create(
        HelpRequestComment, actor=actor, action="liaisons.helprequestcomment.added",
        help_request=reopened, author=actor, text=reason, known=("help_request",),
    )
    if reopened.assignee_id:
        _tell_officials(reopened, [reopened.assignee], kind="help_request.reopened",
                        title=_("%(enterprise)s reopened “%(title)s”")
                        % {"enterprise": reopened.enterprise.name, "title": reopened.title},
                        body=reason)
    return reopened


# --- comments ------------------------------------------------------------------------------


@unit_of_work
def help_request_comment(*, help_request: HelpRequest, actor, text: str,
                         policy_note: PolicyNote | None = None) -> HelpRequestComment:
    """A message in either direction; the other side is told. An official's first answer
    is the request's first response."""
    current = _lock(help_request)
    official = actor is not None and not actor.has_role(Role.ENTERPRISE) and _is_official_for(
        actor, current.enterprise)
    if not official:
        _require_member(actor, current.enterprise)
    if current.status in (Status.CLOSED, Status.REJECTED):
        raise ValidationError({"status": _("The request is %(status)s: comments are closed.")
                               % {"status": Status(current.status).label}})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message.")})
    comment = tracked_create(
        HelpRequestComment, actor=actor, action="liaisons.helprequestcomment.added",
        help_request=current, author=actor, text=text, policy_note=policy_note,
        from_official=official, known=("help_request",),
    )
    if official:
        if current.first_response_at is None:
            tracked_update(current, actor=actor, action="liaisons.helprequest.answered",
                           fields={"first_response_at": timezone.now()})
        _tell_enterprise(current, kind="help_request.answered",
                         title=_("New answer on “%(title)s”") % {"title": current.title},
                         body=text)
    elif current.assignee_id:
        _tell_officials(current, [current.assignee], kind="help_request.commented",
                        title=_("%(enterprise)s wrote on “%(title)s”")
                        % {"enterprise": current.enterprise.name, "title": current.title},
                        body=text)
    return comment


# --- reminders, escalation and hand-over -------------------------------------------------------


@unit_of_work
def help_request_remind(*, help_request: HelpRequest, at=None) -> bool:
    """Remind the assignee of a request coming due, once: the row lock makes a second
    (retried or doubled) run see `reminded_at` already set."""
    at = at or timezone.now()
    current = _lock(help_request)
    if not current.is_pending or current.assignee_id is None or current.reminded_at:
        return False
    reminded = tracked_update(current, actor=None, action="liaisons.helprequest.reminded",
                              fields={"reminded_at": at})
    _tell_officials(reminded, [reminded.assignee], kind="help_request.reminder",
                    title=_("Due soon: %(title)s (%(enterprise)s)")
                    % {"title": reminded.title, "enterprise": reminded.enterprise.name},
                    body=_("Due %(due)s.") % {"due": timezone.localtime(reminded.due_at)
                                              .strftime("%Y-%m-%d %H:%M")})
    return True


@unit_of_work
def help_request_escalate(*, help_request: HelpRequest, at=None) -> bool:
    """An overdue request goes to the spectrum's other liaisons and the administrators,
    once."""
    at = at or timezone.now()
    current = _lock(help_request)
    if not current.is_pending or current.escalated_at or current.due_at >= at:
        return False
    escalated = tracked_update(current, actor=None, action="liaisons.helprequest.escalated",
                               fields={"escalated_at": at})
    admins = get_user_model().objects.filter(groups__name=Role.ADMIN, is_active=True)
    others = [user for user in liaisons_of(escalated.enterprise)
              if user.pk != escalated.assignee_id]
    _tell_officials(escalated, [*others, *admins], kind="help_request.overdue",
                    title=_("Overdue: %(title)s (%(enterprise)s)")
                    % {"title": escalated.title, "enterprise": escalated.enterprise.name})
    return True


def hand_over(*, official, assignment: Assignment, actor) -> list[HelpRequest]:
    """When `official` no longer serves what `assignment` covered, their pending requests of
    those enterprises go to whoever serves each enterprise now (journaled and told)."""
    held = HelpRequest.objects.pending().filter(assignee=official)
    if assignment.enterprise_id:
        held = held.filter(enterprise_id=assignment.enterprise_id)
    elif assignment.spectrum_id:
        held = held.filter(enterprise__spectrum_id=assignment.spectrum_id)
    moved = []
    for request in held.select_related("enterprise").order_by("pk"):
        if _serves(official, request.enterprise):
            continue  # still serves it through another assignment
        successor = assignee_for(request.enterprise)
        fields = {"assignee": successor}
        updated = tracked_update(request, actor=actor, action="liaisons.helprequest.handed_over",
                                 fields=fields)
        if successor is not None:
            _tell_officials(updated, [successor], kind="help_request.assigned",
                            title=_("Help request of %(enterprise)s handed to you: %(title)s")
                            % {"enterprise": updated.enterprise.name, "title": updated.title})
        moved.append(updated)
    return moved


def reminders_due(at=None):
    """Pending, assigned, not yet reminded requests within their reminder window."""
    at = at or timezone.now()
    windows = models.Q(pk__in=[])
    for priority, before in REMIND_BEFORE.items():
        windows |= models.Q(priority=priority, due_at__lte=at + before)
    return (HelpRequest.objects.pending().filter(windows, reminded_at__isnull=True,
                                                 assignee__isnull=False, due_at__gte=at))


def escalations_due(at=None):
    at = at or timezone.now()
    return HelpRequest.objects.overdue(at).filter(escalated_at__isnull=True)


def help_request_make_supply_request(*, help_request: HelpRequest, actor):
    """Turn a supplies request into a supply request (the supplies app fills this seam)."""
    if help_request.category != HelpRequest.Category.SUPPLIES:
        raise ValidationError({"category": _("Only a supplies request becomes a supply request.")})
    if not _supply_request_makers:
        raise ValidationError(_("Supply requests are not available yet."))
    return _supply_request_makers[0](help_request=help_request, actor=actor)


# --- the policy library ----------------------------------------------------------------------

POLICY_FIELDS = frozenset({"title", "text", "source", "valid_from", "valid_to", "district"})


def policy_note_create(*, actor, **fields) -> PolicyNote:
    return tracked_create(PolicyNote, actor=actor, action="liaisons.policynote.created",
                          **fields)


def policy_note_update(*, policy_note: PolicyNote, actor, fields: dict[str, Any],
                       expected_version: int | None = None) -> PolicyNote:
    return tracked_update(policy_note, actor=actor, action="liaisons.policynote.updated",
                          fields=fields, expected_version=expected_version)
