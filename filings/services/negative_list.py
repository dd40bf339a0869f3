"""Negative-list versions: drafts are edited, a published version never changes, and
publishing revokes the filings it now forbids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import journal
from portal.services import (
    check_version,
    lock,
    tracked_create,
    tracked_delete,
    tracked_update,
    unit_of_work,
)

from ..decision import matching_entry
from ..models import Filing, NegativeList, NegativeListEntry
from . import common

ENTRY_FIELDS = frozenset({"industry", "name", "reason", "district"})
LIST_FIELDS = frozenset({"title", "effective_from", "note"})


def _refuse_published(negative_list: NegativeList) -> None:
    if negative_list.published_at is not None:
        raise ValidationError(
            _("Version %(number)s is published and can no longer change; create a new draft.")
            % {"number": negative_list.number}
        )


def _unknown(fields: dict, allowed: frozenset) -> None:
    extra = set(fields) - allowed
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.") for name in extra})


@unit_of_work
def negative_list_create(
    *, actor, title: str, note: str = "", effective_from=None,
    copy_from: NegativeList | None = None, number: int | None = None,
) -> NegativeList:
    """A new draft version, numbered after the last one; `copy_from` copies its entries."""
    if number is None:
        number = (NegativeList.objects.aggregate(last=Max("number"))["last"] or 0) + 1
    draft = tracked_create(
        NegativeList, actor=actor, action="filings.negativelist.created",
        number=number, title=title, note=note, effective_from=effective_from,
    )
    if copy_from is not None:
        for entry in copy_from.entries.order_by("id"):
            negative_list_entry_add(
                negative_list=draft, actor=actor, industry=entry.industry, name=entry.name,
                reason=entry.reason, district=entry.district,
            )
    return draft


@unit_of_work
def negative_list_update(
    *, negative_list: NegativeList, actor, fields: dict[str, Any],
    expected_version: int | None = None,
) -> NegativeList:
    _unknown(fields, LIST_FIELDS)
    current = lock(negative_list)
    _refuse_published(current)
    return tracked_update(
        current, actor=actor, action="filings.negativelist.updated", fields=fields,
        expected_version=expected_version,
    )


@unit_of_work
def negative_list_delete(*, negative_list: NegativeList, actor,
                         expected_version: int | None = None) -> None:
    """Discard a draft with its entries; published versions stay forever."""
    current = lock(negative_list)
    check_version(current, expected_version)
    _refuse_published(current)
    for entry in current.entries.order_by("id"):
        tracked_delete(entry, actor=actor, action="filings.negativelistentry.removed")
    tracked_delete(current, actor=actor, action="filings.negativelist.deleted")


@unit_of_work
def negative_list_entry_add(
    *, negative_list: NegativeList, actor, industry, name: str, reason: str, district=None,
) -> NegativeListEntry:
    _refuse_published(lock(negative_list))
    return tracked_create(
        NegativeListEntry, actor=actor, action="filings.negativelistentry.added",
        negative_list=negative_list, industry=industry, name=name, reason=reason,
        district=district,
    )


@unit_of_work
def negative_list_entry_update(
    *, entry: NegativeListEntry, actor, fields: dict[str, Any],
    expected_version: int | None = None,
) -> NegativeListEntry:
    _unknown(fields, ENTRY_FIELDS)
    _refuse_published(lock(entry.negative_list))
    return tracked_update(
        entry, actor=actor, action="filings.negativelistentry.updated", fields=fields,
        expected_version=expected_version,
    )


@unit_of_work
def negative_list_entry_remove(*, entry: NegativeListEntry, actor,
                               expected_version: int | None = None) -> None:
    _refuse_published(lock(entry.negative_list))
    tracked_delete(entry, actor=actor, action="filings.negativelistentry.removed",
                   expected_version=expected_version)


@dataclass
class Publication:
    negative_list: NegativeList
    revoked: list[Filing] = field(default_factory=list)


@unit_of_work
def negative_list_publish(
    *, negative_list: NegativeList, actor, effective_from=None,
    expected_version: int | None = None,
) -> Publication:
    """Publish a draft: from now on filings are decided against it. Every filed, confirmed
    or rectifying filing whose enterprise it now forbids is revoked, citing the entry, and
    the enterprise's members and liaisons are told; all in this one transaction."""
    current = lock(negative_list)
    check_version(current, expected_version)
    _refuse_published(current)
    now = timezone.now()
    published = tracked_update(
        current, actor=actor, action="filings.negativelist.published",
        fields={
            "published_at": now,
            "published_by": actor,
            "effective_from": effective_from or current.effective_from or common.local_date(now),
        },
    )
    entries = list(published.entries.select_related("industry", "negative_list"))
    # Entries carry their version's published flag (the sync feed shows published ones).
    journal.append(
        [
            journal.Change(entry, "filings.negativelistentry.published",
                           before=journal.snapshot(entry) | {"published": False})
            for entry in entries
        ],
        actor=actor,
    )
    common.forget_published_entries()
    publication = Publication(published)
    if not entries:
        return publication
    affected = (
        Filing.objects.filter(status__in=Filing.VALID)
        .filter(common.entries_q(entries))
        .select_related("enterprise__district")
        .order_by("pk")
    )
    for filing in affected:
        entry = matching_entry(entries, filing.enterprise)
        if entry is not None:
            publication.revoked.append(
                _revoke(filing, entry=entry, negative_list=published, actor=actor)
            )
    return publication


@unit_of_work
def filing_redecide(*, enterprise, actor) -> Filing | None:
    """After an official changed an enterprise's industry or district: its valid filing is
    decided again against the current negative list, and revoked citing the entry if it is
    now forbidden (as publishing a version would). Returns the revoked filing, if any."""
    negative_list = NegativeList.objects.current()
    entries = common.current_entries(negative_list)
    filing = (
        Filing.objects.filter(enterprise_id=enterprise.pk, status__in=Filing.VALID)
        .select_related("enterprise__district").first()
    )
    if filing is None or negative_list is None:
        return None
    entry = matching_entry(entries, filing.enterprise)
    if entry is None:
        return None
    return _revoke(filing, entry=entry, negative_list=negative_list, actor=actor)


def _revoke(filing: Filing, *, entry: NegativeListEntry, negative_list: NegativeList,
            actor) -> Filing:
    enterprise = filing.enterprise
    revoked = tracked_update(
        filing, actor=actor, action="filings.filing.revoked",
        fields={
            "status": Filing.Status.REVOKED,
            "matched_entry": entry,
            "negative_list": negative_list,
            "decision_reason": entry.reason,
            "closed_at": timezone.now(),
        },
    )
    title = _("Filing %(number)s revoked") % {"number": revoked.number}
    body = _(
        "Negative list version %(version)s now includes %(entry)s: %(reason)s "
        "%(enterprise)s must stop work under this filing."
    ) % {
        "version": negative_list.number, "entry": entry.name, "reason": entry.reason,
        "enterprise": enterprise.name,
    }
    common.tell_enterprise(revoked, enterprise, kind="filing.revoked", title=title, body=body)
    common.tell_liaisons(revoked, enterprise, kind="filing.revoked", title=title, body=body)
    return revoked
