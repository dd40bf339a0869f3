"""Fields every tracked object's representation carries."""


def stamp(obj) -> dict:
    return {
        "id": obj.pk,
        "version": obj.version,
        "updated_at": obj.updated_at,
        "created_at": obj.created_at,
    }
