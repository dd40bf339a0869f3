"""The instant filing decision (DESIGN §7), a pure function of what it is decided on."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import Filing, NegativeListEntry


@dataclass(frozen=True)
class Decision:
    """The outcome of a submission: its status, the entry cited and the reason given."""

    status: str
    entry: NegativeListEntry | None = None
    reason: str = ""


def entry_sort_key(entry: NegativeListEntry):
    """The most specific entry is cited: longest code, then a district-scoped one."""
    return (-len(entry.industry_id), entry.district_id is None, entry.pk)


def matching_entry(entries, enterprise) -> NegativeListEntry | None:
    """The entry of `entries` that forbids `enterprise` (its district loaded), if any."""
    found = sorted((e for e in entries if e.matches(enterprise)), key=entry_sort_key)
    return found[0] if found else None


def decide(enterprise, entries, high_risk_district: str | None) -> Decision:
    """A negative-list entry matched by industry code prefix (global, or for the enterprise's
    district) → rejected citing it; the district (or an ancestor, `high_risk_district` its
    name) at high risk → held for a liaison's review; otherwise filed."""
    entry = matching_entry(entries, enterprise)
    if entry is not None:
        return Decision(Filing.Status.REJECTED, entry, entry.reason)
    if high_risk_district is not None:
        return Decision(Filing.Status.NEEDS_REVIEW, reason=_(
            "%(district)s is at high epidemic risk: a liaison reviews the filing before "
            "work resumes."
        ) % {"district": high_risk_district})
    return Decision(Filing.Status.FILED)
