"""Every tracked type: a write that bypasses the services is named by `journal.verify()`.

For each type in the journal's registry (a new tracked model is a new case, without editing
this file), with objects made through the services: an UPDATE of a represented field, a bulk
insert and a delete, each done with the ORM behind the services' back, must each be reported
with the object's type and id. Each bypass is undone before the next.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone

from filings import services as filing_services
from portal import journal
from tests.api_contract.world import build_world
from tests.filings import factories as filing_factories

pytestmark = pytest.mark.django_db

TRACKED = sorted(journal.tracked_types())
NOTHING = object()
REFUSED = (IntegrityError, DataError, ValidationError, ProtectedError, RestrictedError,
           ValueError, TypeError)


def _more_objects() -> None:
    """Objects of the tracked types that `build_world()` does not make."""
    enterprise, member = filing_factories.member_enterprise()
    liaison = filing_factories.liaison_for(enterprise)
    filing = filing_factories.filed(enterprise, member)
    filing_services.filing_confirm(
        filing=filing, actor=liaison, checklist=dict(filing_factories.ALL_MEASURES),
        outcome="confirmed",
    )


@pytest.fixture
def objects():
    build_world()
    _more_objects()


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run the block in a savepoint that is always rolled back."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def _other_value(field: models.Field, value):
    """Another value of `field`'s type (NOTHING if none can be told)."""
    if field.is_relation:
        other = (field.related_model._base_manager.exclude(pk=value)
                 .values_list("pk", flat=True).first())
        return NOTHING if other is None else other
    if field.choices:
        return next((choice for choice, _label in field.flatchoices if choice != value), NOTHING)
    kind = field.get_internal_type()
    if kind in {"CharField", "TextField", "FileField", "SlugField", "EmailField"}:
        text = str(value or "")
        if text.isdigit():  # a code of digits stays one: bump it, same length
            return str((int(text) + 1) % 10 ** len(text)).zfill(len(text))
        changed = text + "改"
        if field.max_length and len(changed) > field.max_length:
            changed = text[: field.max_length - 1] + ("甲" if text[-1:] != "甲" else "乙")
        return changed
    if kind.endswith("IntegerField") or kind in {"FloatField", "DecimalField"}:
        return (value or 0) + 1
    if kind == "BooleanField":
        return not value
    if kind == "DateField":
        return (value or datetime.date(2020, 2, 10)) + datetime.timedelta(days=1)
    if kind == "DateTimeField":
        return (value or timezone.now()) + datetime.timedelta(days=1)
    if kind == "JSONField":
        return {"bypassed": value != {"bypassed": True}}
    return NOTHING


def _candidate_fields(spec) -> list[models.Field]:
    """The model's columns, plain data first, then relations, then timestamps and version."""
    fields = [f for f in spec.model._meta.concrete_fields
              if not f.primary_key and f.name not in spec.masks]

    def rank(field):
        if field.name in {"version", "updated_at", "created_at"}:
            return 3
        if field.is_relation:
            return 1
        return 2 if field.get_internal_type() in {"DateField", "DateTimeField"} else 0

    return sorted(fields, key=rank)


def _problems(kind: str) -> set[tuple[str, str]]:
    return {(p.object_type, p.object_id) for p in journal.verify().problems if p.kind == kind}


def _raw_update(spec, obj) -> str:
    """UPDATE one represented field of `obj` with the ORM; the field's name."""
    before = journal.snapshot(obj)
    manager = spec.model._base_manager  # a plain QuerySet, whatever the model's manager does
    for field in _candidate_fields(spec):
        value = _other_value(field, getattr(obj, field.attname))
        if value is NOTHING:
            continue
        try:
            with transaction.atomic():
                manager.filter(pk=obj.pk).update(**{field.attname: value})
                if journal.snapshot(spec.objects().get(pk=obj.pk)) == before:
                    raise _Undo  # not a represented field: try the next
                return field.name
        except (_Undo, *REFUSED):
            continue
    pytest.fail(f"{spec.object_type}: no column of object {obj.pk} could be changed so that "
                "its representation changes (teach _other_value its field type)")


def _force_delete(model, pk, depth: int = 0) -> None:
    """Delete a row with the ORM as a careless script would: what protects it first."""
    for _attempt in range(20):
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=pk).delete()
                return
        except (ProtectedError, RestrictedError) as error:
            if depth >= 20:
                raise
            blockers = getattr(error, "protected_objects", None) or error.restricted_objects
            for blocker in blockers:
                _force_delete(type(blocker), blocker.pk, depth + 1)
    raise RuntimeError(f"{model._meta.label}:{pk} could not be deleted")


def _unique_columns(meta) -> set[str]:
    """Columns of a unique field or of a unique constraint (relations included)."""
    names = {f.name for f in meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names.update(constraint.fields)
    for together in meta.unique_together:
        names.update(together)
    return names


def _bulk_insert(spec) -> str:
    """bulk_create a copy of an existing object, skipping the services; its id."""
    manager = spec.model._base_manager
    meta = spec.model._meta
    unique = _unique_columns(meta)
    for original in spec.objects().order_by("pk")[:10]:
        clone = manager.get(pk=original.pk)
        if isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            clone.pk = None
        else:
            clone.pk = _other_value(meta.pk, original.pk)
            while manager.filter(pk=clone.pk).exists():
                clone.pk = _other_value(meta.pk, clone.pk)
        for field in meta.concrete_fields:
            value = getattr(clone, field.attname)
            if field.name in unique and not field.is_relation and value is not None:
                setattr(clone, field.attname, _other_value(field, value))
        clone._state.adding = True
        # As it is, or (when a constraint allows only one of its kind) in the original's
        # place: the original deleted behind the services' back as well.
        for displace in (False, True):
            try:
                with transaction.atomic():
                    if displace:
                        _force_delete(spec.model, original.pk)
                    (inserted,) = manager.bulk_create([clone])
                    if inserted.pk is None:  # a backend that cannot return ids
                        inserted = manager.exclude(pk=original.pk).order_by("-pk").first()
                    return str(inserted.pk)
            except REFUSED:
                continue
    pytest.fail(f"{spec.object_type}: no copy of an existing object could be bulk-inserted")


def _delete(spec) -> str:
    """Delete an object with the ORM: one nothing protects, else the first and whatever
    protects it. Its id."""
    candidates = list(spec.objects().order_by("pk"))
    for obj in candidates:
        try:
            with transaction.atomic():
                spec.model._base_manager.filter(pk=obj.pk).delete()
                return str(obj.pk)
        except REFUSED:
            continue
    _force_delete(spec.model, candidates[0].pk)
    return str(candidates[0].pk)


@pytest.mark.parametrize("object_type", TRACKED)
def test_writes_that_bypass_the_services_are_named(objects, object_type):
    spec = journal.tracked_types()[object_type]
    obj = spec.objects().order_by("pk").first()
    if obj is None:
        pytest.fail(f"no {object_type} object: make one through its service in "
                    "build_world() (tests/api_contract/world.py) or _more_objects() here")
    intact = journal.verify()
    assert intact.ok, [str(problem) for problem in intact.problems]

    with undone():
        field = _raw_update(spec, obj)
        assert (object_type, str(obj.pk)) in _problems("changed outside services"), field

    with undone():
        inserted = _bulk_insert(spec)
        assert (object_type, inserted) in _problems("unjournaled")

    with undone():
        deleted = _delete(spec)
        assert (object_type, deleted) in _problems("deleted outside services")

    assert journal.verify().ok  # each bypass was undone
