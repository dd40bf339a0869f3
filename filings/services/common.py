"""Helpers shared by the filing services: who may act, who hears about it, and the rules."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Subquery
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import District, Enterprise
from enterprises.selectors import is_member, members_of
from liaisons.selectors import liaisons_of
from portal import notifications
from portal.roles import Role

from ..models import Filing, NegativeList, NegativeListEntry

SHANGHAI = ZoneInfo("Asia/Shanghai")


# Dates mean something (DESIGN §7): nothing before the 2020 restart, nothing years ahead.
EARLIEST_DATE = datetime.date(2020, 1, 1)
HORIZON_DAYS = 366


def check_date_window(name: str, value, *, earliest: datetime.date = EARLIEST_DATE) -> None:
    """A ValidationError on `name` unless `value` (a date or None) lies between `earliest`
    and a year from today."""
    if value is None:
        return
    latest = local_date() + datetime.timedelta(days=HORIZON_DAYS)
    if value < earliest:
        raise ValidationError({name: _("The date cannot be before %(date)s.")
                               % {"date": earliest.isoformat()}})
    if value > latest:
        raise ValidationError({name: _("The date cannot be more than a year ahead (after "
                                       "%(date)s).") % {"date": latest.isoformat()}})


def local_date(at=None):
    """The Asia/Shanghai calendar date of `at` (now by default): filing numbers use it."""
    return timezone.localtime(at or timezone.now(), SHANGHAI).date()


# --- who may act ---------------------------------------------------------------------------


def require_member(actor, enterprise: Enterprise, members=None) -> bool:
    """Enterprise-side actions: a member of the enterprise (or an administrator, or the
    system itself when `actor` is None). `members`: `members_of(enterprise)`, if the caller
    has read them already.

    True when a membership was found: the enterprise then exists (memberships go with it).
    """
    if actor is None or actor.has_role(Role.ADMIN):
        return False
    if not actor.has_role(Role.ENTERPRISE):
        raise PermissionDenied(_("Only a member of the enterprise may do this."))
    if members is not None and any(member.pk == actor.pk for member in members):
        return True
    if is_member(actor, enterprise):
        return True
    raise PermissionDenied(_("Only a member of the enterprise may do this."))


def require_serving_liaison(actor, enterprise: Enterprise) -> None:
    """Official actions on site: a liaison serving the enterprise now (or an administrator)."""
    if actor is None or actor.has_role(Role.ADMIN):
        return
    if actor.has_role(Role.LIAISON) and Enterprise.objects.visible_to(actor).filter(
        pk=enterprise.pk
    ).exists():
        return
    raise PermissionDenied(_("Only a liaison serving this enterprise may do this."))


def require_status(filing: Filing, allowed, message: str) -> None:
    if filing.status not in allowed:
        raise ValidationError(
            {"status": message % {"status": Filing.Status(filing.status).label}}
        )


# --- who hears about it --------------------------------------------------------------------


def filing_url(filing: Filing) -> str:
    return reverse("filings:detail", args=[filing.pk])


def liaison_url(filing: Filing) -> str:
    return reverse("filings:confirm", args=[filing.pk])


def tell_enterprise(filing: Filing, enterprise: Enterprise, *, kind, title, body,
                    recipients=None) -> None:
    """Notify the members (`recipients`: the members, when the caller read them already)."""
    notifications.notify(
        recipients=members_of(enterprise) if recipients is None else recipients, kind=kind,
        title=title, body=body, url=filing_url(filing), enterprise_id=enterprise.pk,
    )


def tell_liaisons(filing: Filing, enterprise: Enterprise, *, kind, title, body) -> None:
    notifications.notify(
        recipients=liaisons_of(enterprise), kind=kind, title=title, body=body,
        url=liaison_url(filing), enterprise_id=enterprise.pk,
    )


# --- the rules of DESIGN §7 ----------------------------------------------------------------


# The entries of published versions, which never change (a published version can be neither
# edited nor deleted), read once per process. Keyed by the version's row and publication, so
# a version published later, by any process, is a new key; publishing here also empties it.
_published_entries: dict[tuple, tuple[NegativeListEntry, ...]] = {}
_PUBLISHED_KEPT = 4


def current_entries(negative_list: NegativeList | None) -> list[NegativeListEntry]:
    """The entries of `negative_list` (its industries loaded); those of a published version
    are shared read-only by every decision in the process."""
    if negative_list is None:
        return []
    if negative_list.published_at is None:
        return list(negative_list.entries.select_related("industry"))
    key = (negative_list.pk, negative_list.number, negative_list.published_at)
    entries = _published_entries.get(key)
    if entries is None:
        entries = tuple(negative_list.entries.select_related("industry"))
        if len(_published_entries) >= _PUBLISHED_KEPT:
            _published_entries.clear()
        _published_entries[key] = entries
    return list(entries)


def forget_published_entries() -> None:
    _published_entries.clear()


def _at_high_risk(district: District):
    """The district itself and those of its ancestors graded high risk."""
    codes = [code for code in district.path.strip("/").split("/") if code]
    return District.objects.filter(code__in=codes, risk_level=District.RiskLevel.HIGH)


def high_risk_district(district: District) -> District | None:
    """The district itself or the nearest ancestor graded high risk, if any."""
    return max(_at_high_risk(district), key=lambda d: len(d.path), default=None)


def decision_inputs(enterprise: Enterprise) -> tuple[NegativeList | None, str | None]:
    """What the instant decision reads besides the filing, in one query: the negative-list
    version filings are decided against now (`NegativeList.objects.current()`), and the
    name of `high_risk_district(enterprise.district)`; None for either that there is not.
    """
    nearest = _at_high_risk(enterprise.district).order_by(Length("path").desc()).values("name")
    negative_list = (
        NegativeList.objects.newest_first()
        .annotate(district_at_high_risk=Subquery(nearest[:1])).first()
    )
    if negative_list is None:  # none published yet
        risky = high_risk_district(enterprise.district)
        return None, risky.name if risky is not None else None
    return negative_list, negative_list.__dict__.pop("district_at_high_risk")


def entries_q(entries, prefix: str = "enterprise__") -> models.Q:
    """Enterprises (through `prefix`) falling under any of `entries`, as one query."""
    query = models.Q(pk__in=[])
    for entry in entries:
        condition = models.Q(**{f"{prefix}industry__code__startswith": entry.industry_id})
        if entry.district_id:
            condition &= models.Q(**{f"{prefix}district__path__contains": f"/{entry.district_id}/"})
        query |= condition
    return query
