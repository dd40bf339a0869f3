"""The API representation of filing objects, shared by the read serializers and the journal."""

from portal.representations import stamp

from .models import MEASURES


def negative_list(obj) -> dict:
    return {
        "number": obj.number,
        "title": obj.title,
        "effective_from": obj.effective_from,
        "published": obj.published_at is not None,
        "published_at": obj.published_at,
        "published_by": obj.published_by_id,
        "note": obj.note,
        **stamp(obj),
    }


def negative_list_entry(obj) -> dict:
    return {
        "negative_list": obj.negative_list_id,
        "industry": obj.industry_id,
        "name": obj.name,
        "reason": obj.reason,
        "district": obj.district_id,
        # The feed shows entries to everyone once their version is published.
        "published": obj.negative_list.published_at is not None,
        **stamp(obj),
    }


def negative_list_with_entries(obj) -> dict:
    """A version as the `negative-list` endpoint returns it: with its entries, each as the
    sync feed carries it."""
    return {**negative_list(obj), "entries": [negative_list_entry(e) for e in obj.entries.all()]}


def filing(obj) -> dict:
    return {
        "enterprise": obj.enterprise_id,
        "planned_resume_date": obj.planned_resume_date,
        "employees_total": obj.employees_total,
        "employees_returning": obj.employees_returning,
        "employees_from_outside": obj.employees_from_outside,
        "measures": {name: getattr(obj, name) for name in MEASURES},
        "commitment_accepted": obj.commitment_accepted,
        "commitment_version": obj.commitment_version,
        "commitment_text": obj.commitment_text,
        "signer_name": obj.signer_name,
        "signed_at": obj.signed_at,
        "status": obj.status,
        "number": obj.number,
        "decision_reason": obj.decision_reason,
        "negative_list_version": obj.negative_list_id,
        "matched_entry": obj.matched_entry_id,
        "submitted_at": obj.submitted_at,
        "decided_at": obj.decided_at,
        "reviewed_by": obj.reviewed_by_id,
        "checklist": obj.checklist,
        "confirmation_notes": obj.confirmation_notes,
        "confirmed_by": obj.confirmed_by_id,
        "confirmed_at": obj.confirmed_at,
        "rectification_items": obj.rectification_items,
        "rectification_deadline": obj.rectification_deadline,
        "rectification_reported_at": obj.rectification_reported_at,
        "rectification_report": obj.rectification_report,
        "closed_at": obj.closed_at,
        **stamp(obj),
    }


def attachment(obj) -> dict:
    return {
        "filing": obj.filing_id,
        "original_name": obj.original_name,
        "content_type": obj.content_type,
        "size": obj.size,
        "sha256": obj.sha256,
        "uploaded_by": obj.uploaded_by_id,
        **stamp(obj),
    }


def confirmation(obj) -> dict:
    return {
        "filing": obj.filing_id,
        "outcome": obj.outcome,
        "checklist": obj.checklist,
        "notes": obj.notes,
        "items": obj.items,
        "deadline": obj.deadline,
        "confirmed_by": obj.confirmed_by_id,
        **stamp(obj),
    }
