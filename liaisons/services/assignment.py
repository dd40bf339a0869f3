"""Every change to liaison assignments: validated, versioned and journaled; when one passes
to another official or ends, the help requests and tasks held go to the successor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.roles import Role
from portal.services import tracked_create, tracked_delete, tracked_update, unit_of_work

from ..models import Assignment


def _require_liaison(official) -> None:
    if official is None or not official.has_role(Role.LIAISON):
        raise ValidationError({"official": _("Only a liaison official can be assigned.")})


def assignment_create(*, actor, official, kind: str, active_from, spectrum=None, enterprise=None,
                      active_to=None, note: str = "") -> Assignment:
    _require_liaison(official)
    return tracked_create(
        Assignment, actor=actor, action="liaisons.assignment.created",
        official=official, kind=kind, spectrum=spectrum, enterprise=enterprise,
        active_from=active_from, active_to=active_to, note=note,
    )


@unit_of_work
def assignment_update(*, assignment: Assignment, actor, fields: dict[str, Any],
                      expected_version: int | None = None) -> Assignment:
    """Change an assignment; when it passes to another official (reassignment) or ends,
    the previous official's open help requests go to whoever serves those enterprises now."""
    if "official" in fields:
        _require_liaison(fields["official"])
    previous = assignment.official
    updated = tracked_update(
        assignment, actor=actor, action="liaisons.assignment.updated", fields=fields,
        expected_version=expected_version,
    )
    if updated.official_id != previous.pk or "active_to" in fields:
        from .help_request import hand_over
        from .task import task_hand_over

        hand_over(official=previous, assignment=updated, actor=actor)
        task_hand_over(official=previous, assignment=updated, actor=actor)
    return updated


@unit_of_work
def assignment_end(*, assignment: Assignment, actor, on, expected_version: int | None = None):
    """End an assignment on a date; history keeps who served whom and when. The open help
    requests the official held for those enterprises go to whoever serves them now."""
    ended = tracked_update(
        assignment, actor=actor, action="liaisons.assignment.ended", fields={"active_to": on},
        expected_version=expected_version,
    )
    from .help_request import hand_over
    from .task import task_hand_over

    hand_over(official=ended.official, assignment=ended, actor=actor)
    task_hand_over(official=ended.official, assignment=ended, actor=actor)
    return ended


def assignment_delete(*, assignment: Assignment, actor, expected_version: int | None = None):
    tracked_delete(
        assignment, actor=actor, action="liaisons.assignment.deleted",
        expected_version=expected_version,
    )
