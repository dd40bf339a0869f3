"""The API representation of each registry object, shared by the read serializers and the
journal, so that what a client syncs and what an inspector audits are the same thing."""

from portal.representations import stamp


def district(obj) -> dict:
    return {
        "code": obj.code,
        "name": obj.name,
        "name_en": obj.name_en,
        "level": obj.level,
        "parent": obj.parent_id,
        "risk_level": obj.risk_level,
        "risk_since": obj.risk_since,
        **stamp(obj),
    }


def spectrum(obj) -> dict:
    return {
        "name": obj.name,
        "district": obj.district_id,
        "description": obj.description,
        **stamp(obj),
    }


def enterprise(obj) -> dict:
    return {
        "credit_code": obj.credit_code,
        "name": obj.name,
        "legal_representative": obj.legal_representative,
        "industry": obj.industry_id,
        "district": obj.district_id,
        "address": obj.address,
        "contact_name": obj.contact_name,
        "contact_phone": obj.contact_phone,
        "employee_count": obj.employee_count,
        "is_key_project": obj.is_key_project,
        "spectrum": obj.spectrum_id,
        **stamp(obj),
    }


def membership(obj) -> dict:
    return {"user": obj.user_id, "enterprise": obj.enterprise_id, "title": obj.title, **stamp(obj)}


def jurisdiction(obj) -> dict:
    return {"user": obj.user_id, "district": obj.district_id, **stamp(obj)}
