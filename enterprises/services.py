"""Every change to the registry: validated, versioned and journaled in one transaction."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.roles import Role
from portal.services import tracked_create, tracked_delete, tracked_update, unit_of_work

from .models import District, Enterprise, Jurisdiction, Membership, Spectrum

# Fields only officials decide when an enterprise registers itself: which spectrum serves
# it, and key-project status.
OFFICIAL_FIELDS = frozenset({"spectrum", "is_key_project"})
# What enterprise staff may correct (DESIGN §7): contact details.
CONTACT_FIELDS = frozenset({"address", "contact_name", "contact_phone", "employee_count"})
# The registry's facts, officials' to change: the negative list and the risk gates read
# the industry and the district, so a change of either decides the active filing again.
REGISTRY_FACTS = frozenset({
    "credit_code", "name", "legal_representative", "industry", "district", "is_key_project",
})
# Facts whose change means the enterprise's filing must be decided again.
DECIDING_FACTS = frozenset({"industry", "district"})

# Apps that must act when an enterprise's deciding facts change, in the same transaction:
# `callback(enterprise=..., actor=...)`. Registered from their AppConfig.ready().
_registry_fact_listeners: list = []


def on_deciding_facts_changed(callback) -> None:
    """Call `callback(enterprise=, actor=)` inside the unit of work of every change of an
    enterprise's industry or district (the filings decide its active filing again)."""
    if callback not in _registry_fact_listeners:
        _registry_fact_listeners.append(callback)


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


def district_update(
    *, district: District, actor, fields: dict[str, Any], expected_version: int | None = None
) -> District:
    """Rename a district (its code, level and place in the tree never change)."""
    extra = set(fields) - {"name", "name_en"}
    if extra:
        raise ValidationError({name: _("This field cannot be changed.") for name in extra})
    return tracked_update(
        district, actor=actor, action="enterprises.district.updated", fields=fields,
        expected_version=expected_version,
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


@unit_of_work
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
    """Correct an enterprise's contact details (its staff, or an official)."""
    _only(fields, CONTACT_FIELDS)
    return tracked_update(
        enterprise,
        actor=actor,
        action="enterprises.enterprise.updated",
        fields=fields,
        expected_version=expected_version,
    )


def _only(fields: dict[str, Any], allowed: frozenset) -> None:
    extra = set(fields) - allowed
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.")
                               for name in sorted(extra)})


def _require_official(actor, fields: dict[str, Any]) -> None:
    """Registry facts are set by administrators and by the liaisons serving the enterprise
    (the caller has checked the liaison's scope: `visible_to`)."""
    if actor is None or actor.has_role(Role.ADMIN, Role.LIAISON):
        return
    raise ValidationError({name: _("Only an official may change this field.")
                           for name in sorted(fields)})


@unit_of_work
def enterprise_set_registry_facts(
    *, enterprise: Enterprise, actor, fields: dict[str, Any], expected_version: int | None = None
) -> Enterprise:
    """An official corrects the registry's facts (credit code, name, legal representative,
    industry, district, key-project flag). A new industry or district decides the active
    filing again against the current negative list (revoked, citing the entry, if it is
    now forbidden), in this same transaction."""
    _only(fields, REGISTRY_FACTS)
    _require_official(actor, fields)
    before = {name: getattr(enterprise, Enterprise._meta.get_field(name).attname)
              for name in DECIDING_FACTS}
    updated = tracked_update(
        enterprise, actor=actor, action="enterprises.enterprise.updated",
        fields=fields, expected_version=expected_version,
    )
    after = {name: getattr(updated, Enterprise._meta.get_field(name).attname)
             for name in DECIDING_FACTS}
    if after != before:
        for callback in _registry_fact_listeners:
            callback(enterprise=updated, actor=actor)
    return updated


def enterprise_move_spectrum(
    *, enterprise: Enterprise, spectrum: Spectrum | None, actor,
    expected_version: int | None = None,
) -> Enterprise:
    """Move an enterprise to another spectrum (and so to other liaisons): an
    administrator's act (DESIGN §7)."""
    if actor is not None and not actor.has_role(Role.ADMIN):
        raise ValidationError(
            {"spectrum": _("Only an administrator may move an enterprise to another spectrum.")}
        )
    return tracked_update(
        enterprise, actor=actor, action="enterprises.enterprise.spectrum_moved",
        fields={"spectrum": spectrum}, expected_version=expected_version,
    )


def enterprise_delete(
    *, enterprise: Enterprise, actor, expected_version: int | None = None
) -> None:
    """Delete an enterprise registered in error, with its memberships (each journaled)."""
    with unit_of_work():
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


def membership_update(
    *, membership: Membership, actor, fields: dict[str, Any],
    expected_version: int | None = None,
) -> Membership:
    """Change a member's title (who and which enterprise never change: remove and add)."""
    extra = set(fields) - {"title"}
    if extra:
        raise ValidationError({name: _("This field cannot be changed.") for name in extra})
    return tracked_update(
        membership, actor=actor, action="enterprises.membership.updated", fields=fields,
        expected_version=expected_version,
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


def jurisdiction_remove(
    *, jurisdiction: Jurisdiction, actor, expected_version: int | None = None
) -> None:
    tracked_delete(jurisdiction, actor=actor, action="enterprises.jurisdiction.removed",
                   expected_version=expected_version)
