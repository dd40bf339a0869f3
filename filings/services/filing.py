"""A filing's life: draft, the instant decision (DESIGN §7), review, on-site confirmation,
rectification and withdrawal. Every transition is validated, journaled and announced."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from enterprises.selectors import members_of
from portal.services import check_version, lock, tracked_create, tracked_update, unit_of_work

from .. import commitment
from ..decision import decide, matching_entry
from ..models import (
    MEASURES,
    SECOND_ACTIVE_FILING,
    Confirmation,
    Filing,
    FilingCounter,
    NegativeList,
    new_verify_token,
)
from . import common

Status = Filing.Status

# What the enterprise fills in; everything else is decided by the services.
EDITABLE_FIELDS = frozenset(
    {
        "planned_resume_date",
        "employees_total",
        "employees_returning",
        "employees_from_outside",
        "commitment_accepted",
        "signer_name",
        *MEASURES,
    }
)
REQUIRED_TO_SUBMIT = (
    "planned_resume_date",
    "employees_total",
    "employees_returning",
    "employees_from_outside",
)


# Foreign keys of a decision whose rows the service reads in its own transaction (published
# negative-list versions and their entries are never deleted): not looked up again.
DECISION_KEYS = ("negative_list", "matched_entry")


def _lock(filing: Filing) -> Filing:
    """The filing under its row lock, with its enterprise and the enterprise's district."""
    return lock(filing, "enterprise__district")


def _prepare(fields: dict[str, Any], current: Filing | None) -> dict[str, Any]:
    """Only editable fields; accepting the commitment stores the text shown and signs it."""
    extra = set(fields) - EDITABLE_FIELDS
    if extra:
        raise ValidationError({name: _("This field cannot be changed here.") for name in extra})
    fields = dict(fields)
    if "planned_resume_date" in fields:
        common.check_date_window("planned_resume_date", fields["planned_resume_date"])
    if "signer_name" in fields:
        fields["signer_name"] = (fields["signer_name"] or "").strip()
    accepted = fields.get("commitment_accepted", current.commitment_accepted if current else False)
    signer = fields.get("signer_name", current.signer_name if current else "")
    was_accepted = bool(current and current.commitment_accepted)
    if not accepted:
        fields.update(commitment_text="", commitment_version="", signed_at=None)
    elif (
        not was_accepted
        or signer != current.signer_name
        or current.commitment_version != commitment.COMMITMENT_VERSION
    ):
        fields.update(
            commitment_text=commitment.text(),
            commitment_version=commitment.COMMITMENT_VERSION,
            signed_at=timezone.now(),
        )
    return fields


def _refuse_second_active(filing: Filing) -> None:
    """Why the database refused `filing`, when it is the rule of one active filing per
    enterprise (constraint `filing_one_active_per_enterprise`): said on the enterprise."""
    if Filing.objects.filter(enterprise_id=filing.enterprise_id).active().exists():
        raise ValidationError({"enterprise": SECOND_ACTIVE_FILING})


@unit_of_work
def filing_create(*, actor, enterprise: Enterprise, **fields: Any) -> Filing:
    """Start a draft; it may be incomplete. One active filing per enterprise: the database's
    constraint keeps the rule, also between concurrent requests, and a refusal is the same
    400 on `enterprise` (`_refuse_second_active`)."""
    member = common.require_member(actor, enterprise)
    return tracked_create(
        Filing, actor=actor, action="filings.filing.created", enterprise=enterprise,
        status=Status.DRAFT, known=("enterprise",) if member else (),
        explain=_refuse_second_active, **_prepare(fields, None),
    )


@unit_of_work
def filing_update(
    *, filing: Filing, actor, fields: dict[str, Any], expected_version: int | None = None
) -> Filing:
    """Change a draft (saving it as often as the enterprise likes)."""
    current = _lock(filing)
    check_version(current, expected_version)
    common.require_member(actor, current.enterprise)
    common.require_status(
        current, (Status.DRAFT,), _("Only a draft can be changed; this filing is %(status)s.")
    )
    return tracked_update(
        current, actor=actor, action="filings.filing.updated", fields=_prepare(fields, current),
    )


def missing_items(filing: Filing) -> dict[str, str]:
    """Each item that keeps the filing from being submitted, by field name."""
    errors = {}
    for name in REQUIRED_TO_SUBMIT:
        if getattr(filing, name) is None:
            errors[name] = _("This field is required to file.")
    for name in MEASURES:
        if not getattr(filing, name):
            label = Filing._meta.get_field(name).verbose_name
            errors[name] = _("The measure “%(measure)s” must be in place before filing.") % {
                "measure": label
            }
    if not filing.commitment_accepted:
        errors["commitment_accepted"] = _("Read and accept the prevention commitment.")
    elif filing.commitment_version != commitment.COMMITMENT_VERSION:
        errors["commitment_accepted"] = _(
            "The prevention commitment has changed since you accepted it; read and accept it again."
        )
    if not filing.signer_name:
        errors["signer_name"] = _("Enter the name of the person signing the commitment.")
    return errors


def _next_number(enterprise: Enterprise, at) -> str:
    """`<county code>-<yyyymmdd>-<4-digit daily sequence>`, the date in Asia/Shanghai.

    The counter row is incremented in place, so concurrent filings of one county queue on
    its row lock and every number is used exactly once. The lock lasts until commit: take
    the number as late in the transaction as possible.
    """
    code = enterprise.district_id[:6]
    day = common.local_date(at)
    return f"{code}-{day:%Y%m%d}-{_increment(code, day):04d}"


def _increment(code: str, day: datetime.date) -> int:
    """Create the (county, day) counter at 1 or add one to it, in one statement."""
    meta = FilingCounter._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    district, date, last = (quote(meta.get_field(name).column)
                            for name in ("district_code", "day", "last"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({district}, {date}, {last}) VALUES (%s, %s, 1) "
            f"ON CONFLICT ({district}, {date}) DO UPDATE SET {last} = {table}.{last} + 1 "
            f"RETURNING {last}",
            [code, connection.ops.adapt_datefield_value(day)],
        )
        return cursor.fetchone()[0]


def _filed_fields(enterprise: Enterprise, at) -> dict[str, Any]:
    return {
        "status": Status.FILED,
        "number": _next_number(enterprise, at),
        "verify_token": new_verify_token(),
        "decided_at": at,
    }


def _announce_decision(filing: Filing, enterprise: Enterprise, members=None) -> None:
    """Tell the members the decision just written on `filing`."""
    status = filing.status
    reason = filing.decision_reason
    if status == Status.FILED:
        number = filing.number
        title = _("Filing %(number)s accepted: you may resume work") % {"number": number}
        body = _(
            "%(enterprise)s is filed under number %(number)s. A liaison will visit to confirm "
            "the prevention measures on site."
        ) % {"enterprise": enterprise.name, "number": number}
    elif status == Status.REJECTED:
        title = _("Filing rejected: the industry is on the negative list")
        body = reason
    else:
        title = _("Filing received: a liaison will review it")
        body = reason
    common.tell_enterprise(filing, enterprise, kind=f"filing.{status}", title=title,
                           body=body, recipients=members)


@unit_of_work
def filing_submit(*, filing: Filing, actor, expected_version: int | None = None) -> Filing:
    """Decide at once (`decision.decide`, DESIGN §7): rejected citing a negative-list entry,
    held for a liaison's review in a district at high risk, or filed with a number.
    Incomplete measures or no commitment are a ValidationError naming each missing item."""
    current = _lock(filing)
    check_version(current, expected_version)
    enterprise = current.enterprise
    # The members are told the decision; the actor is usually one of them.
    members = list(members_of(enterprise))
    common.require_member(actor, enterprise, members)
    common.require_status(
        current, (Status.DRAFT,), _("Only a draft can be submitted; this filing is %(status)s.")
    )
    missing = missing_items(current)
    if missing:
        raise ValidationError(missing)
    now = timezone.now()
    negative_list, risky = common.decision_inputs(enterprise)
    decision = decide(enterprise, common.current_entries(negative_list), risky)
    fields: dict[str, Any] = {"submitted_at": now, "negative_list": negative_list,
                              "status": decision.status, "decision_reason": decision.reason}
    if decision.status == Status.REJECTED:
        fields.update(matched_entry=decision.entry, decided_at=now)
    elif decision.status == Status.FILED:
        # The county's counter stays locked until commit.
        fields.update(_filed_fields(enterprise, now))
    submitted = tracked_update(current, actor=actor, action="filings.filing.submitted",
                               fields=fields, known=DECISION_KEYS)
    _announce_decision(submitted, enterprise, members)
    if decision.status == Status.NEEDS_REVIEW:
        common.tell_liaisons(
            submitted, enterprise, kind="filing.needs_review",
            title=_("Filing of %(enterprise)s needs your review") % {"enterprise": enterprise.name},
            body=decision.reason,
        )
    return submitted


@unit_of_work
def filing_review(
    *, filing: Filing, actor, approve: bool, reason: str = "",
    expected_version: int | None = None,
) -> Filing:
    """A liaison decides a filing held for review: approved → filed with a number; rejected
    with a reason."""
    current = _lock(filing)
    check_version(current, expected_version)
    enterprise = current.enterprise
    common.require_serving_liaison(actor, enterprise)
    common.require_status(
        current, (Status.NEEDS_REVIEW,),
        _("Only a filing awaiting review can be reviewed; this filing is %(status)s."),
    )
    reason = (reason or "").strip()
    now = timezone.now()
    fields: dict[str, Any] = {"reviewed_by": actor, "decided_at": now}
    if approve:
        negative_list = NegativeList.objects.current()
        entry = matching_entry(common.current_entries(negative_list), enterprise)
        if entry is not None:
            raise ValidationError(
                {"approve": _("The negative list now includes this industry (%(entry)s): "
                              "reject the filing.") % {"entry": entry.name}}
            )
        members = list(members_of(enterprise))
        fields.update(_filed_fields(enterprise, now))
        fields.update(negative_list=negative_list, decision_reason=reason)
    else:
        if not reason:
            raise ValidationError({"reason": _("Give the reason for rejecting the filing.")})
        members = None
        fields.update(status=Status.REJECTED, decision_reason=reason)
    reviewed = tracked_update(current, actor=actor, action="filings.filing.reviewed",
                              fields=fields, known=DECISION_KEYS)
    _announce_decision(reviewed, enterprise, members)
    return reviewed


def _checklist(checklist: dict | None) -> dict[str, bool]:
    checklist = checklist or {}
    unknown = set(checklist) - set(MEASURES)
    if unknown:
        raise ValidationError(
            {"checklist": _("Unknown measures: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
        )
    return {name: bool(checklist.get(name, False)) for name in MEASURES}


@unit_of_work
def filing_confirm(
    *, filing: Filing, actor, checklist: dict, outcome: str, notes: str = "",
    items: list[str] | None = None, deadline: datetime.date | None = None,
    expected_version: int | None = None,
) -> Filing:
    """The liaison's on-site confirmation (复工确认书): every measure found in place →
    confirmed; otherwise rectifying, with the items to fix and a deadline."""
    current = _lock(filing)
    check_version(current, expected_version)
    enterprise = current.enterprise
    common.require_serving_liaison(actor, enterprise)
    common.require_status(
        current, (Status.FILED, Status.RECTIFYING),
        _("Only a filed or rectifying filing can be confirmed on site; this filing is "
          "%(status)s."),
    )
    found = _checklist(checklist)
    items = [str(item).strip() for item in (items or []) if str(item).strip()]
    errors = {}
    if outcome == Confirmation.Outcome.CONFIRMED:
        absent = [name for name, present in found.items() if not present]
        if absent:
            errors["checklist"] = _(
                "Every measure must be found in place to confirm; otherwise ask for "
                "rectification."
            )
        items, deadline = [], None
    elif outcome == Confirmation.Outcome.RECTIFYING:
        if not items:
            errors["items"] = _("List the items the enterprise must fix.")
        if deadline is None:
            errors["deadline"] = _("Set a deadline for the rectification.")
        elif deadline < common.local_date():
            errors["deadline"] = _("The deadline cannot be in the past.")
        else:
            try:
                common.check_date_window("deadline", deadline)
            except ValidationError as error:
                errors.update(error.message_dict)
    else:
        errors["outcome"] = _("Choose confirmed or rectifying.")
    if errors:
        raise ValidationError(errors)
    notes = (notes or "").strip()
    if outcome == Confirmation.Outcome.CONFIRMED:
        title = _("Filing %(number)s confirmed on site") % {"number": current.number}
        body = _("The liaison found every prevention measure in place.")
    else:
        title = _("Filing %(number)s: rectification required") % {"number": current.number}
        body = _("Fix by %(deadline)s: %(items)s") % {
            "deadline": deadline.isoformat(), "items": "; ".join(items)
        }
    common.tell_enterprise(current, enterprise, kind=f"filing.{outcome}", title=title, body=body)
    confirmation = tracked_create(
        Confirmation, actor=actor, action="filings.confirmation.created", filing=current,
        outcome=outcome, checklist=found, notes=notes, items=items, deadline=deadline,
        confirmed_by=actor, known=("filing",),
    )
    # The on-site confirmation is a visit too (issue 11): one record of who was on site
    # when and what they found, with the same checklist keys as every other visit.
    from liaisons.services import visit_record_confirmation

    visit_record_confirmation(confirmation=confirmation, filing=current, actor=actor)
    return tracked_update(
        current, actor=actor,
        action="filings.filing.confirmed" if outcome == Confirmation.Outcome.CONFIRMED
        else "filings.filing.rectification_required",
        fields={
            "status": outcome,
            "checklist": found,
            "confirmation_notes": notes,
            "confirmed_by": actor,
            "confirmed_at": timezone.now(),
            "rectification_items": items,
            "rectification_deadline": deadline,
            "rectification_reported_at": None,
            "rectification_report": "",
        },
    )


@unit_of_work
def filing_report_rectified(
    *, filing: Filing, actor, report: str = "", expected_version: int | None = None,
) -> Filing:
    """The enterprise reports the items fixed; the liaison then confirms again."""
    current = _lock(filing)
    check_version(current, expected_version)
    enterprise = current.enterprise
    common.require_member(actor, enterprise)
    common.require_status(
        current, (Status.RECTIFYING,),
        _("Only a filing under rectification can be reported fixed; this filing is %(status)s."),
    )
    report = (report or "").strip()
    common.tell_liaisons(
        current, enterprise, kind="filing.rectification_reported",
        title=_("%(enterprise)s reports the rectification done") % {"enterprise": enterprise.name},
        body=report,
    )
    return tracked_update(
        current, actor=actor, action="filings.filing.rectification_reported",
        fields={"rectification_reported_at": timezone.now(), "rectification_report": report},
    )


@unit_of_work
def filing_withdraw(*, filing: Filing, actor, expected_version: int | None = None) -> Filing:
    """The enterprise withdraws its filing (a new one may then be started)."""
    current = _lock(filing)
    check_version(current, expected_version)
    common.require_member(actor, current.enterprise)
    common.require_status(
        current, (Status.DRAFT, Status.FILED, Status.NEEDS_REVIEW, Status.RECTIFYING),
        _("A filing that is %(status)s cannot be withdrawn."),
    )
    return tracked_update(
        current, actor=actor, action="filings.filing.withdrawn",
        fields={"status": Status.WITHDRAWN, "closed_at": timezone.now()},
    )
