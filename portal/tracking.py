"""What the portal knows about each tracked model, declared once by the app that owns it.

An app calls `track(Model, represent=..., writes=Writes(...))` from its `AppConfig.ready()`:
the journal reads the representation, the masks and (from the model's `scope`) the scope
columns; the API viewsets and the admin read `writes`, the services that create, change
which fields, and delete (DESIGN §3). Nothing else needs to be told about a new model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from .scope import Scope, scope_of


@dataclass(frozen=True)
class Update:
    """A service that changes `fields` of an object.

    Called as `service(<noun>=obj, actor=..., fields={...}, expected_version=...)`, or with
    the fields as keyword arguments (`spread=True`, for a service such as
    `district_set_risk_level(district=, risk_level=, ...)`).
    """

    service: Callable
    fields: frozenset[str]
    spread: bool = False

    def __init__(self, service: Callable, fields: Iterable[str], *, spread: bool = False):
        object.__setattr__(self, "service", service)
        object.__setattr__(self, "fields", frozenset(fields))
        object.__setattr__(self, "spread", spread)


@dataclass(frozen=True)
class Writes:
    """The services bound to one model for every surface that writes it.

    `create(actor=..., **fields)` takes `create_fields` (None: every editable field);
    `update` lists the services that change which fields (a field in none of them is
    read-only everywhere); `delete(<noun>=obj, actor=..., expected_version=...)`. `noun` is
    the keyword the services name the object by (the model name by default).
    """

    create: Callable | None = None
    create_fields: frozenset[str] | None = None
    update: tuple[Update, ...] = ()
    delete: Callable | None = None
    noun: str | None = None

    def __post_init__(self):
        if self.create_fields is not None:
            object.__setattr__(self, "create_fields", frozenset(self.create_fields))
        seen: set[str] = set()
        for update in self.update:
            twice = seen & update.fields
            if twice:
                raise ImproperlyConfigured(f"fields {sorted(twice)} are bound to two services")
            seen |= update.fields

    @property
    def updatable(self) -> frozenset[str]:
        return frozenset().union(*(update.fields for update in self.update))


READ_ONLY = Writes()


@dataclass(frozen=True)
class Tracked:
    """How one model appears in the journal and which services write it."""

    model: type[models.Model]
    represent: Callable[[models.Model], dict]
    masks: dict[str, Callable] = field(default_factory=dict)
    queryset: Callable | None = None
    writes: Writes = READ_ONLY

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    @property
    def scope(self) -> Scope:
        return scope_of(self.model)

    @property
    def noun(self) -> str:
        return self.writes.noun or self.model._meta.model_name

    def objects(self):
        return self.queryset() if self.queryset else self.model._default_manager.all()

    # --- the bound services, as every surface calls them -----------------------------
    def create(self, *, actor, fields: dict):
        if self.writes.create is None:
            raise PermissionError(f"{self.object_type} has no create service")
        if self.writes.create_fields is not None:
            fields = {name: value for name, value in fields.items()
                      if name in self.writes.create_fields}
        return self.writes.create(actor=actor, **fields)

    def update(self, obj, *, actor, fields: dict, expected_version: int | None = None,
               pristine: bool = True):
        """Apply `fields` through the services that own them, in one transaction.

        `pristine`: `obj` holds what the database holds (the API's), so a field given as it
        already is asks no service (a PUT repeats every field); the admin passes only the
        fields its form changed, on an instance the form has already changed.
        """
        if pristine:
            fields = {name: value for name, value in fields.items()
                      if _differs(obj, name, value)}
        unbound = sorted(set(fields) - self.writes.updatable)
        if unbound:
            raise ValidationError({name: _("This field cannot be changed.") for name in unbound})
        with transaction.atomic():
            for update in self.writes.update:
                part = {name: value for name, value in fields.items() if name in update.fields}
                if not part:
                    continue
                arguments = part if update.spread else {"fields": part}
                obj = update.service(**{self.noun: obj}, actor=actor,
                                     expected_version=expected_version, **arguments)
                # A second service of the same save checks against what the first wrote.
                expected_version = obj.version if expected_version is not None else None
        return obj

    def delete(self, obj, *, actor, expected_version: int | None = None) -> None:
        if self.writes.delete is None:
            raise PermissionError(f"{self.object_type} has no delete service")
        self.writes.delete(**{self.noun: obj}, actor=actor, expected_version=expected_version)


def _differs(obj, name: str, value) -> bool:
    try:
        field = obj._meta.get_field(name)
    except FieldDoesNotExist:  # not a model field: let the service judge it
        return True
    if field.is_relation and field.concrete:
        current = getattr(obj, field.attname)
        return current != (value.pk if isinstance(value, models.Model) else value)
    if not field.concrete:
        return True
    return getattr(obj, name) != value


_registry: dict[str, Tracked] = {}


def track(model, *, represent, masks=None, queryset=None, writes: Writes = READ_ONLY) -> None:
    """Declare a tracked model: its API representation, the personal fields masked in the
    journal, and the services that write it. Its scope is the model's own `scope`."""
    scope_of(model)  # refuse a model without a declared scope now, not on first use
    spec = Tracked(model, represent, dict(masks or {}), queryset, writes)
    _registry[spec.object_type] = spec


def tracked_types() -> dict[str, Tracked]:
    return dict(_registry)


def spec_for(obj_or_model) -> Tracked:
    label = obj_or_model._meta.label_lower
    try:
        return _registry[label]
    except KeyError:
        raise LookupError(f"{label} is not a tracked model (portal.tracking.track)") from None


def is_tracked(obj_or_model) -> bool:
    return obj_or_model._meta.label_lower in _registry
