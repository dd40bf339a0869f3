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
