"""Write helpers shared by every app's services: lock, check version, validate, save, journal.

App services (`enterprise_update`, ...) add their domain rules and call these, so that every
tracked change is validated, versioned and journaled in one transaction the same way.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from . import journal
from .exceptions import PreconditionFailed

M = TypeVar("M", bound=models.Model)


def lock(obj: M) -> M:
    """Re-read the row under a row lock so concurrent writers queue behind each other."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise PreconditionFailed(obj.version)


@transaction.atomic
def tracked_create(model: type[M], *, actor, action: str, **fields: Any) -> M:
    obj = model(**fields)
    obj.full_clean()
    obj.save()
    journal.record(obj, action=action, actor=actor)
    return obj


@transaction.atomic
def tracked_update(obj: M, *, actor, action: str, fields: dict[str, Any],
                   expected_version: int | None = None) -> M:
    """Apply `fields` to a locked copy of `obj`; a change that changes nothing writes nothing."""
    current = lock(obj)
    check_version(current, expected_version)
    before = journal.represent(current)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    if journal.represent(current) == before:
        return current
    current.version += 1
    current.save()
    journal.record(current, action=action, actor=actor, before=journal.mask(current, before))
    return current


@transaction.atomic
def tracked_delete(obj, *, actor, action: str, expected_version: int | None = None) -> None:
    current = lock(obj)
    check_version(current, expected_version)
    data = journal.snapshot(current)
    object_id = str(current.pk)
    scope = journal.spec_for(current).scope(current)
    current.delete()
    journal.record(current, action=action, actor=actor, op="delete",
                   object_id=object_id, data=data, scope=scope)


def tracked_bulk_create(model: type[M], objs: list[M], *, actor, action: str,
                        batch_size: int = 1000) -> list[M]:
    """Create many objects in one transaction with one journal entry each.

    The caller has validated every object (`full_clean`, or an equivalent bulk check that
    also covers uniqueness); this writes them and journals them, all or nothing.
    """
    with transaction.atomic():
        created = model._default_manager.bulk_create(objs, batch_size=batch_size)
        journal.append([journal.Change(obj, action) for obj in created], actor=actor)
    return created
