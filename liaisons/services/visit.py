"""Site visits (走访) and their photos: what an official found in place at an enterprise.

A filing's on-site confirmation (复工确认) is one kind of visit: `filing_confirm` records it
through `visit_record_confirmation`, with the same checklist keys as any other visit.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from portal.roles import Role
from portal.services import check_version, lock, tracked_create, tracked_update, unit_of_work

from ..models import Visit, VisitPhoto, checklist_keys
from .help_request import require_official

# Nothing before the 2020 restart; a visit is recorded once it happened (a few minutes of
# clock difference between a phone and the server are forgiven).
EARLIEST_VISIT = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
CLOCK_SLACK = datetime.timedelta(minutes=10)
MAX_PHOTOS = 20
PHOTO_TYPES = ("image/jpeg", "image/png")
VISIT_FIELDS = frozenset({"visited_at", "checklist", "findings"})


def _require_person(actor) -> None:
    if actor is None:
        raise ValidationError({"official": _("A visit is recorded by the official who made "
                                             "it.")})


def clean_checklist(checklist: dict | None) -> dict[str, bool | None]:
    """Every checklist key: true (found in place), false (missing) or null (not checked)."""
    if checklist is None:
        checklist = {}
    if not isinstance(checklist, dict):
        raise ValidationError({"checklist": _("The checklist is an object of true, false or "
                                              "null per item.")})
    keys = checklist_keys()
    unknown = sorted(set(checklist) - set(keys))
    if unknown:
        raise ValidationError({"checklist": _("Unknown checklist items: %(names)s.")
                               % {"names": ", ".join(map(str, unknown))}})
    wrong = sorted(name for name, value in checklist.items()
                   if value is not None and not isinstance(value, bool))
    if wrong:
        raise ValidationError({"checklist": _("Give true, false or null for %(names)s.")
                               % {"names": ", ".join(wrong)}})
    return {name: checklist.get(name) for name in keys}


def _check_when(visited_at) -> None:
    if visited_at is None:
        raise ValidationError({"visited_at": _("Say when the visit took place.")})
    if timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at < EARLIEST_VISIT:
        raise ValidationError({"visited_at": _("The date cannot be before %(date)s.")
                               % {"date": "2020-01-01"}})
    if visited_at > timezone.now() + CLOCK_SLACK:
        raise ValidationError({"visited_at": _("A visit is recorded once it took place; "
                                               "this time is in the future.")})


@unit_of_work
def visit_create(*, actor, enterprise: Enterprise, checklist: dict | None = None,
                 findings: str = "", visited_at=None) -> Visit:
    """An official records a visit to an enterprise they serve (now, unless `visited_at`
    says when)."""
    _require_person(actor)
    require_official(actor, enterprise)
    visited_at = visited_at or timezone.now()
    _check_when(visited_at)
    return tracked_create(
        Visit, actor=actor, action="liaisons.visit.created", official=actor,
        enterprise=enterprise, kind=Visit.Kind.SITE_VISIT, visited_at=visited_at,
        checklist=clean_checklist(checklist), findings=(findings or "").strip(),
        known=("enterprise",),
    )


def visit_update(*, visit: Visit, actor, fields: dict[str, Any],
                 expected_version: int | None = None) -> Visit:
    """The visiting official (or an administrator) corrects the record of a site visit; a
    resumption confirmation is the filing's record and is corrected by confirming again."""
    extra = set(fields) - VISIT_FIELDS
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.") for name in extra})
    with unit_of_work():
        current = lock(visit, "enterprise")
        check_version(current, expected_version)
        if (actor is not None and not actor.has_role(Role.ADMIN)
                and actor.pk != current.official_id):
            raise PermissionDenied(_("Only the official who made the visit may change its "
                                     "record."))
        if current.kind == Visit.Kind.RESUMPTION_CONFIRMATION:
            raise ValidationError(_("A resumption confirmation is changed by confirming the "
                                    "filing again."))
        fields = dict(fields)
        if "checklist" in fields:
            fields["checklist"] = clean_checklist(fields["checklist"])
        if "findings" in fields:
            fields["findings"] = (fields["findings"] or "").strip()
        if "visited_at" in fields:
            _check_when(fields["visited_at"])
        return tracked_update(current, actor=actor, action="liaisons.visit.updated",
                              fields=fields)


def visit_record_confirmation(*, confirmation, filing, actor) -> Visit:
    """The visit a filing's on-site confirmation is: the seven measures as found, the
    visitor checks not part of that checklist (null), the notes as findings."""
    checklist = {name: bool(value) for name, value in (confirmation.checklist or {}).items()}
    findings = confirmation.notes
    if confirmation.items:
        findings = "\n".join(filter(None, [findings, _("To rectify: %(items)s")
                                           % {"items": "; ".join(confirmation.items)}]))
    return tracked_create(
        Visit, actor=actor, action="liaisons.visit.created", official=actor,
        enterprise=filing.enterprise, kind=Visit.Kind.RESUMPTION_CONFIRMATION,
        visited_at=timezone.now(), checklist=clean_checklist(checklist), findings=findings,
        filing=filing, confirmation=confirmation, known=("enterprise", "filing", "confirmation"),
    )


@unit_of_work
def visit_photo_add(*, visit: Visit, actor, upload) -> VisitPhoto:
    """Attach a photo (JPEG or PNG, at most 10 MB, checked by content by the filings'
    `check_upload` and stored re-encoded) to a visit, by an official serving the
    enterprise."""
    from filings.validators import check_upload

    # Decoding the image takes a while: before the visit's row lock, not under it.
    checked = check_upload(upload)
    if checked.content_type not in PHOTO_TYPES:
        raise ValidationError({"file": _("A visit photo is a JPEG or PNG image.")})
    current = lock(visit, "enterprise")
    require_official(actor, current.enterprise)
    if VisitPhoto.objects.filter(visit=current).count() >= MAX_PHOTOS:
        raise ValidationError({"file": _("A visit keeps at most %(count)d photos.")
                               % {"count": MAX_PHOTOS}})
    return tracked_create(
        VisitPhoto, actor=actor, action="liaisons.visitphoto.added", visit=current,
        file=checked.file, original_name=checked.name, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, uploaded_by=actor, known=("visit",),
    )
