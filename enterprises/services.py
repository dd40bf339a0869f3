"""Every change to the registry: validated, versioned and journaled in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from portal.services import tracked_create, tracked_delete, tracked_update

from .models import District, Enterprise, Jurisdiction, Membership, Spectrum

# Fields only officials decide: which spectrum serves an enterprise, and key-project status.
OFFICIAL_FIELDS = frozenset({"spectrum", "is_key_project"})


def _acts_only_for_enterprise(actor) -> bool:
    return actor is not None and not actor.has_role(
        Role.ADMIN, Role.LIAISON, Role.LABOR_OFFICER, Role.SUPPLY_OFFICER
    )


def _refuse_official_fields(actor, fields: dict[str, Any], current: Enterprise | None) -> None:
    if not _acts_only_for_enterprise(actor):
        return
    errors = {}
    for name in OFFICIAL_FIELDS & fields.keys():
        now = getattr(current, name) if current else Enterprise._meta.get_field(name).get_default()
        if fields[name] != now:
            errors[name] = _("Only an official may set this field.")
    if errors:
        raise ValidationError(errors)


# --- districts and spectra ----------------------------------------------------------------


def district_create(
    *, actor, code: str, name: str, level: str, parent: District | None = None, name_en: str = ""
) -> District:
    return tracked_create(
        District,
        actor=actor,
        action="enterprises.district.created",
        code=code,
        name=name,
        level=level,
        parent=parent,
        name_en=name_en,
    )


def district_set_risk_level(
    *, district: District, risk_level: str, actor, expected_version: int | None = None
) -> District:
    """Grade a district's epidemic risk; the time it changed is kept for the gates."""
    fields: dict[str, Any] = {"risk_level": risk_level}
    if risk_level != district.risk_level:
        fields["risk_since"] = timezone.now()
    return tracked_update(
        district,
        actor=actor,
        action="enterprises.district.risk_level_set",
        fields=fields,
        expected_version=expected_version,
    )


def spectrum_create(*, actor, name: str, district: District, description: str = "") -> Spectrum:
    return tracked_create(
        Spectrum,
        actor=actor,
        action="enterprises.spectrum.created",
        name=name,
        district=district,
        description=description,
    )


def spectrum_update(
    *, spectrum: Spectrum, actor, fields: dict[str, Any], expected_version: int | None = None
) -> Spectrum:
    return tracked_update(
        spectrum,
        actor=actor,
        action="enterprises.spectrum.updated",
        fields=fields,
        expected_version=expected_version,
    )


# --- enterprises --------------------------------------------------------------------------


@transaction.atomic
def enterprise_create(*, actor, **fields: Any) -> Enterprise:
    """Register an enterprise. Enterprise staff who register one become its member."""
    _refuse_official_fields(actor, fields, None)
    enterprise = tracked_create(
        Enterprise, actor=actor, action="enterprises.enterprise.created", **fields
    )
    if actor is not None and actor.has_role(Role.ENTERPRISE) and not actor.sees_everything:
        membership_add(user=actor, enterprise=enterprise, actor=actor)
    return enterprise


def enterprise_update(
    *, enterprise: Enterprise, actor, fields: dict[str, Any], expected_version: int | None = None
) -> Enterprise:
    _refuse_official_fields(actor, fields, enterprise)
    return tracked_update(
        enterprise,
        actor=actor,
        action="enterprises.enterprise.updated",
        fields=fields,
        expected_version=expected_version,
    )


def enterprise_delete(
    *, enterprise: Enterprise, actor, expected_version: int | None = None
) -> None:
    """Delete an enterprise registered in error, with its memberships (each journaled)."""
    with transaction.atomic():
        for membership in enterprise.memberships.all():
            membership_remove(membership=membership, actor=actor)
        tracked_delete(
            enterprise,
            actor=actor,
            action="enterprises.enterprise.deleted",
            expected_version=expected_version,
        )


# --- memberships and jurisdictions --------------------------------------------------------


def membership_add(*, user, enterprise: Enterprise, actor, title: str = "") -> Membership:
    if not user.has_role(Role.ENTERPRISE):
        raise ValidationError({"user": _("Only enterprise staff can be members of an enterprise.")})
    return tracked_create(
        Membership,
        actor=actor,
        action="enterprises.membership.added",
        user=user,
        enterprise=enterprise,
        title=title,
    )


def membership_remove(
    *, membership: Membership, actor, expected_version: int | None = None
) -> None:
    tracked_delete(
        membership,
        actor=actor,
        action="enterprises.membership.removed",
        expected_version=expected_version,
    )


def jurisdiction_add(*, user, district: District, actor) -> Jurisdiction:
    if not user.has_role(Role.LABOR_OFFICER, Role.SUPPLY_OFFICER):
        raise ValidationError({"user": _("Only labour and supply officers hold a jurisdiction.")})
    return tracked_create(
        Jurisdiction,
        actor=actor,
        action="enterprises.jurisdiction.added",
        user=user,
        district=district,
    )


def jurisdiction_remove(*, jurisdiction: Jurisdiction, actor) -> None:
    tracked_delete(jurisdiction, actor=actor, action="enterprises.jurisdiction.removed")
