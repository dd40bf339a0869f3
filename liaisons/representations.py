"""The API representation of liaison objects, shared by serializers and the journal."""

from portal.representations import stamp


def assignment(obj) -> dict:
    return {
        "official": obj.official_id,
        "kind": obj.kind,
        "spectrum": obj.spectrum_id,
        "enterprise": obj.enterprise_id,
        "active_from": obj.active_from,
        "active_to": obj.active_to,
        "note": obj.note,
        **stamp(obj),
    }


def policy_note(obj) -> dict:
    return {
        "title": obj.title,
        "text": obj.text,
        "source": obj.source,
        "valid_from": obj.valid_from,
        "valid_to": obj.valid_to,
        "district": obj.district_id,
        **stamp(obj),
    }


def help_request(obj) -> dict:
    return {
        "enterprise": obj.enterprise_id,
        "category": obj.category,
        "priority": obj.priority,
        "title": obj.title,
        "description": obj.description,
        "status": obj.status,
        "assignee": obj.assignee_id,
        "raised_by": obj.raised_by_id,
        "due_at": obj.due_at,
        "first_response_at": obj.first_response_at,
        "resolved_at": obj.resolved_at,
        "closed_at": obj.closed_at,
        "resolution": obj.resolution,
        "rejection_reason": obj.rejection_reason,
        "reopened_count": obj.reopened_count,
        "reminded_at": obj.reminded_at,
        "escalated_at": obj.escalated_at,
        **stamp(obj),
    }


def help_request_comment(obj) -> dict:
    return {
        "help_request": obj.help_request_id,
        "author": obj.author_id,
        "text": obj.text,
        "policy_note": obj.policy_note_id,
        "from_official": obj.from_official,
        **stamp(obj),
    }


def _in_checklist_order(checklist: dict) -> dict:
    """The checklist in the order of its items (PostgreSQL's jsonb keeps its own order)."""
    from .models import checklist_keys

    checklist = checklist or {}
    ordered = {key: checklist[key] for key in checklist_keys() if key in checklist}
    return {**ordered, **{key: value for key, value in checklist.items() if key not in ordered}}


def visit(obj) -> dict:
    return {
        "official": obj.official_id,
        "enterprise": obj.enterprise_id,
        "kind": obj.kind,
        "visited_at": obj.visited_at,
        "checklist": _in_checklist_order(obj.checklist),
        "findings": obj.findings,
        "filing": obj.filing_id,
        "confirmation": obj.confirmation_id,
        **stamp(obj),
    }


def visit_photo(obj) -> dict:
    return {
        "visit": obj.visit_id,
        "original_name": obj.original_name,
        "content_type": obj.content_type,
        "size": obj.size,
        "sha256": obj.sha256,
        "uploaded_by": obj.uploaded_by_id,
        **stamp(obj),
    }


def task(obj) -> dict:
    return {
        "enterprise": obj.enterprise_id,
        "title": obj.title,
        "description": obj.description,
        "owner": obj.owner,
        "official": obj.official_id,
        "due_date": obj.due_date,
        "status": obj.status,
        "source": obj.source,
        "visit": obj.visit_id,
        "meeting": obj.meeting,
        "set_by": obj.set_by_id,
        "done_at": obj.done_at,
        "done_note": obj.done_note,
        "verified_at": obj.verified_at,
        "verified_by": obj.verified_by_id,
        **stamp(obj),
    }
