"""Write helpers shared by every app's services: lock, check version, validate, save, journal.

App services (`enterprise_update`, ...) add their domain rules and call these, so that every
tracked change is validated, versioned and journaled in one transaction the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import cache, wraps
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from . import journal
from .exceptions import PreconditionFailed

M = TypeVar("M", bound=models.Model)


class _Locks(threading.local):
    """Rows locked by the unit of work running on this thread: (model, pk) → the copy read."""

    held: dict[tuple[type, Any], models.Model] | None = None


_locks = _Locks()


@contextmanager
def _unit():
    outermost = _locks.held is None
    if outermost:
        _locks.held = {}
    try:
        if outermost:
            with transaction.atomic(), journal.collecting():
                yield
        else:
            with journal.collecting():
                yield
    finally:
        if outermost:
            _locks.held = None


def unit_of_work(function=None):
    """The transaction of one service, as a decorator or a `with` block.

    Everything the service writes commits or rolls back together; the journal entries it
    records are appended when the outermost unit ends, last in its transaction, so the
    journal's append lock is held as briefly as possible whatever order the service wrote
    in. Services called from a service join its unit (no savepoint of their own); rows a
    unit locked (`lock`) are not locked and read again by the services it calls.
    """
    if function is None:
        return _unit()

    @wraps(function)
    def run(*args, **kwargs):
        with _unit():
            return function(*args, **kwargs)

    return run


def for_update(queryset: models.QuerySet, *related: str) -> models.QuerySet:
    """`queryset` read under row locks, with the `related` foreign keys (select_related
    paths) in the same query; only the queryset's own rows are locked."""
    if related:
        of = ("self",) if connection.features.has_select_for_update_of else ()
        return queryset.select_related(*related).select_for_update(of=of)
    return queryset.select_for_update()


def lock(obj: M, *related: str) -> M:
    """Re-read the row under a row lock so concurrent writers queue behind each other.

    `related` names foreign keys (select_related paths) to read in the same query; only the
    object's own row is locked. Inside a unit of work, the copy read is remembered: a
    tracked write of that same copy later in the unit does not lock it again.
    """
    current = for_update(type(obj)._default_manager.all(), *related).get(pk=obj.pk)
    if _locks.held is not None:
        _locks.held[(type(current), current.pk)] = current
    return current


def _locked_copy(obj: M) -> M:
    """`obj` itself when this unit of work locked exactly that copy, else a locked copy."""
    held = _locks.held.get((type(obj), obj.pk)) if _locks.held is not None else None
    return obj if held is obj else lock(obj)


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
def _explained(obj: models.Model, explain: Callable[[models.Model], None] | None = None):
    """Run a write in a savepoint; when the database refuses it, report why as
    `full_clean()` does (the unique and constraint checks `validate()` left to it), or
    first as `explain(obj)` does, when given: it raises the ValidationError a service
    words its own rule with, if that rule is what the database refused."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if explain is not None:
            explain(obj)
        obj.full_clean()
        raise


# --- tracked writes --------------------------------------------------------------------------


def tracked_create(model: type[M], *, actor, action: str, known: Iterable[str] = (),
                   explain: Callable[[M], None] | None = None, **fields: Any) -> M:
    """Validate, insert and journal a new object. `known`: see `validate()`; `explain`: see
    `_explained()`."""
    with unit_of_work():
        obj = model(**fields)
        validate(obj, known=known)
        with _explained(obj, explain):
            obj.save()
        journal.record(obj, action=action, actor=actor)
    return obj


def _changed(obj: models.Model, stored: dict[str, Any], fields: dict[str, Any]) -> list[str]:
    """The columns an update writes: those given, those changed since the row was read
    (validation may derive some), the version and the times the save itself sets. The
    others hold what the locked row holds already."""
    return [
        field.name for field in obj._meta.concrete_fields
        if not field.primary_key and (
            field.name in fields or field.attname in fields or field.name == "version"
            or getattr(field, "auto_now", False)
            or getattr(obj, field.attname) != stored[field.attname]
        )
    ]


def tracked_update(obj: M, *, actor, action: str, fields: dict[str, Any],
                   expected_version: int | None = None, known: Iterable[str] = ()) -> M:
    """Apply `fields` to a locked copy of `obj`; a change that changes nothing writes nothing.

    When `obj` is the copy this unit of work locked (`lock()`), it is used as it is.
    `known`: see `validate()`; foreign keys the update leaves as they were are known to
    exist already.
    """
    with unit_of_work():
        current = _locked_copy(obj)
        check_version(current, expected_version)
        before = journal.represent(current)
        concrete = current._meta.concrete_fields
        stored = {field.attname: getattr(current, field.attname) for field in concrete}
        for name, value in fields.items():
            setattr(current, name, value)
        unchanged = {field.name for field in concrete if field.is_relation
                     and getattr(current, field.attname) == stored[field.attname]}
        validate(current, known={*known, *unchanged})
        if journal.represent(current) == before:
            return current
        current.version += 1
        with _explained(current):
            current.save(update_fields=_changed(current, stored, fields))
        journal.record(current, action=action, actor=actor, before=journal.mask(current, before))
    return current


@unit_of_work
def tracked_delete(obj, *, actor, action: str, expected_version: int | None = None) -> None:
    current = _locked_copy(obj)
    check_version(current, expected_version)
    data = journal.snapshot(current)
    object_id = str(current.pk)
    scope = journal.spec_for(current).scope.columns(current)
    current.delete()
    journal.record(current, action=action, actor=actor, op="delete",
                   object_id=object_id, data=data, scope=scope)


def tracked_bulk_create(model: type[M], objs: list[M], *, actor, action: str,
                        batch_size: int = 1000) -> list[M]:
    """Create many objects in one transaction with one journal entry each.

    The caller has validated every object (`full_clean`, or an equivalent bulk check that
    also covers uniqueness); this writes them and journals them, all or nothing.
    """
    with unit_of_work():
        created = model._default_manager.bulk_create(objs, batch_size=batch_size)
        journal.append([journal.Change(obj, action) for obj in created], actor=actor)
    return created
