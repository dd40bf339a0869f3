"""Write helpers shared by every app's services: lock, check version, validate, save, journal.

App services (`enterprise_update`, ...) add their domain rules and call these, so that every
tracked change is validated, versioned and journaled in one transaction the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager, nullcontext
from functools import cache
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from . import journal
from .exceptions import PreconditionFailed

M = TypeVar("M", bound=models.Model)


def lock(obj: M, *related: str) -> M:
    """Re-read the row under a row lock so concurrent writers queue behind each other.

    `related` names foreign keys (select_related paths) to read in the same query; only the
    object's own row is locked.
    """
    queryset = type(obj)._default_manager.all()
    if related:
        queryset = queryset.select_related(*related)
        of = ("self",) if connection.features.has_select_for_update_of else ()
        return queryset.select_for_update(of=of).get(pk=obj.pk)
    return queryset.select_for_update().get(pk=obj.pk)


def check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise PreconditionFailed(obj.version)


# --- validation ----------------------------------------------------------------------------
#
# `full_clean()` asks the database, one query each, whether every foreign key exists and
# whether every unique field and constraint holds, although the database checks the same on
# the write. `validate()` runs the checks that need no query and leaves those to the write;
# when the database refuses it, `full_clean()` runs after all and reports the conflict in
# exactly the words it always used (`_explained`). Foreign keys are checked by the database
# only at commit, so their existence is still asked for, unless the caller knows the row.


@cache
def _database_checks_all(model: type[models.Model], vendor: str) -> bool:
    """Whether the database enforces on write every unique field and constraint of `model`
    that `full_clean()` would check with a query."""
    features = connection.features
    for field in model._meta.concrete_fields:
        if field.unique_for_date or field.unique_for_month or field.unique_for_year:
            return False
    for constraint in model._meta.total_unique_constraints:
        if constraint.deferrable is not None:
            return False
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            if not features.supports_table_check_constraints:
                return False
        elif isinstance(constraint, models.UniqueConstraint):
            if constraint.deferrable is not None or constraint.include:
                return False
            if constraint.condition is not None and not features.supports_partial_indexes:
                return False
            if constraint.expressions and not features.supports_expression_indexes:
                return False
            if (constraint.nulls_distinct is not None
                    and not features.supports_nulls_distinct_unique_constraints):
                return False
        else:
            return False
    return True


def validate(obj: models.Model, *, known: Iterable[str] = ()) -> None:
    """`obj.full_clean()`, without the queries whose answer the write gets from the database.

    `known` names foreign keys whose rows the caller read in this transaction (and which
    cannot be deleted meanwhile): their existence is not asked for again. Any error found
    here is reported by `full_clean()` itself, so the message is always the same.
    """
    if not _database_checks_all(type(obj), connection.vendor):
        obj.full_clean()
        return
    known = set(known)
    failed = False
    try:
        obj.clean_fields(exclude=known)
    except ValidationError:
        failed = True
    for name in known:
        field = obj._meta.get_field(name)
        value = getattr(obj, field.attname)
        if field.blank and value in field.empty_values:
            continue
        try:
            # The field's own rules (null, blank, choices, validators) without the lookup.
            models.Field.validate(field, value, obj)
            field.run_validators(value)
        except ValidationError:
            failed = True
    try:
        obj.clean()
    except ValidationError:
        failed = True
    if failed:
        obj.full_clean()


@contextmanager
def _explained(obj: models.Model):
    """Run a write in a savepoint; when the database refuses it, report why as
    `full_clean()` does (the unique and constraint checks `validate()` left to it)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        obj.full_clean()
        raise


def _transaction():
    """A transaction when the caller has none; inside one, the caller's own."""
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


# --- tracked writes --------------------------------------------------------------------------


def tracked_create(model: type[M], *, actor, action: str, known: Iterable[str] = (),
                   **fields: Any) -> M:
    """Validate, insert and journal a new object. `known`: see `validate()`."""
    with _transaction():
        obj = model(**fields)
        validate(obj, known=known)
        with _explained(obj):
            obj.save()
        journal.record(obj, action=action, actor=actor)
    return obj


def tracked_update(obj: M, *, actor, action: str, fields: dict[str, Any],
                   expected_version: int | None = None, locked: bool = False,
                   known: Iterable[str] = ()) -> M:
    """Apply `fields` to a locked copy of `obj`; a change that changes nothing writes nothing.

    `locked`: `obj` is itself the copy the caller locked (`lock()`) in this transaction and
    has not changed since. `known`: see `validate()`; foreign keys the update leaves as they
    were are known to exist already.
    """
    with _transaction():
        current = obj if locked else lock(obj)
        check_version(current, expected_version)
        before = journal.represent(current)
        keys = {
            field.name: getattr(current, field.attname)
            for field in current._meta.concrete_fields if field.is_relation
        }
        for name, value in fields.items():
            setattr(current, name, value)
        unchanged = {name for name, value in keys.items()
                     if getattr(current, current._meta.get_field(name).attname) == value}
        validate(current, known={*known, *unchanged})
        if journal.represent(current) == before:
            return current
        current.version += 1
        with _explained(current):
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
