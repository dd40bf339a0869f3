"""Write helpers shared by every app's services: lock, check version, validate, save, journal.

App services (`enterprise_update`, ...) add their domain rules and call these, so that every
tracked change is validated, versioned and journaled in one transaction the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from functools import cache, wraps
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from . import journal
from .exceptions import PreconditionFailed

M = TypeVar("M", bound=models.Model)


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
    object's own row is locked.
    """
    return for_update(type(obj)._default_manager.all(), *related).get(pk=obj.pk)


def atomic_unless_locked(service):
    """`transaction.atomic` for a service taking `locked=True` when its caller read the
    object under its row lock (`for_update`) in the caller's own transaction.

    Such a caller ends that transaction (or its savepoint) with any error the service
    raises, so a savepoint of the service's own would serve nothing: the service then runs
    in the caller's transaction as it is.
    """

    @wraps(service)
    def run(*args, **kwargs):
        with transaction.atomic(savepoint=not kwargs.get("locked", False)):
            return service(*args, **kwargs)

    return run


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


def _transaction():
    """A transaction when the caller has none; inside one, the caller's own."""
    return nullcontext() if connection.in_atomic_block else transaction.atomic()


# --- tracked writes --------------------------------------------------------------------------


def tracked_create(model: type[M], *, actor, action: str, known: Iterable[str] = (),
                   explain: Callable[[M], None] | None = None, **fields: Any) -> M:
    """Validate, insert and journal a new object. `known`: see `validate()`; `explain`: see
    `_explained()`."""
    with _transaction():
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
