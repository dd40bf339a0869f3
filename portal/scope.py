"""How a model is scoped, declared once on the model (DESIGN §6).

A model says `scope = Public()`, `scope = Owner("official")`, `ByEnterprise("filing__enterprise")`
(from `enterprises.scope`), ... Three readers derive from that one declaration and nothing
else: `visible_to(user)` on its queryset (`ScopedQuerySet`), the scope columns of its journal
entries (`columns`), and which of those entries the sync feed shows a user (`entries`).

Paths are Django lookups from the model (`filing__enterprise`); `""` is the object itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import models

from .roles import Role

# Roles that read every row of a model whose scope does not say otherwise.
EVERYTHING = (Role.ADMIN, Role.INSPECTOR)

NOTHING = models.Q(pk__in=[])


def signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def value_at(obj, path: str):
    """The value `path` names on `obj`: a foreign key's id at the end of the path (no query
    for it), the primary key for `""`."""
    if not path:
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    field = obj._meta.get_field(last)
    return getattr(obj, field.attname if field.is_relation else last)


def lookup(path: str, rest: str) -> str:
    """`path__rest`, or `rest` when the path is the object itself."""
    return f"{path}__{rest}" if path else rest


class Scope:
    """Which rows of one model a user may see, and where its journal entries belong.

    Subclasses implement `rows`, `entries` and `columns`; `feed_key` groups the types whose
    feed condition is one and the same (all enterprise-scoped types share one subquery).
    """

    everything: Sequence[str] = EVERYTHING

    def __init__(self, *, enterprise: str | None = None, district: str | None = None):
        # Where the object belongs, for the journal's scope columns (audit filters); this
        # decides nobody's visibility unless the scope's own rule reads it.
        self.enterprise_path = enterprise
        self.district_path = district

    def sees_all(self, user) -> bool:
        return bool(self.everything) and user.has_role(*self.everything)

    # --- the three readers -------------------------------------------------------------
    def rows(self, user) -> models.Q | None:
        """A condition on the model's rows for a signed-in, active user; None: every row."""
        raise NotImplementedError

    def entries(self, user, types: list[str]) -> models.Q:
        """A condition on journal entries of `types` (each declared with this feed_key)."""
        raise NotImplementedError

    def columns(self, obj) -> tuple[int | None, str]:
        """(enterprise_id, district code) of the journal entry about `obj`."""
        enterprise = value_at(obj, self.enterprise_path) if self.enterprise_path is not None \
            else None
        district = value_at(obj, self.district_path) if self.district_path is not None else None
        return enterprise, district or ""

    def exits(self, user) -> models.Q | None:
        """Entries that take an object out of `user`'s scope and arrive as a delete of
        `exit_type` with the entry's `enterprise_id` (see `ByEnterprise(leaves=...)`)."""
        return None

    exit_type: str | None = None

    @property
    def feed_key(self) -> tuple:
        return (type(self), id(self))

    def __repr__(self):
        return f"{type(self).__name__}()"


class Public(Scope):
    """Reference data every signed-in user reads (districts, industries, spectra)."""

    everything = ()

    def rows(self, user):
        return None

    def entries(self, user, types):
        return models.Q(object_type__in=types)

    @property
    def feed_key(self):
        return (Public,)


class AllRows(Public):
    """Every row to whoever holds the model's `view` permission: the permission is the
    whole rule (the journal, read by inspectors and administrators)."""


class Owner(Scope):
    """Rows about one user (`field` names them): their assignments, their inbox."""

    def __init__(self, field: str, *, everything: Sequence[str] = EVERYTHING, **where):
        super().__init__(**where)
        self.field = field
        self.everything = tuple(everything)

    def rows(self, user):
        return models.Q(**{self.field: user.pk})

    def entries(self, user, types):
        # The entry's data is the object's representation, which names the owner's id.
        return models.Q(object_type__in=types, **{f"data__{self.field}": user.pk})

    @property
    def feed_key(self):
        return (Owner, self.field)

    def __repr__(self):
        return f"Owner({self.field!r})"


class Published(Scope):
    """Public to every signed-in user once published (`field` names the publication time);
    drafts only to the all-seeing roles. Representations say `"published": true`."""

    def __init__(self, field: str, **where):
        super().__init__(**where)
        self.field = field

    def rows(self, user):
        return models.Q(**{f"{self.field}__isnull": False})

    def entries(self, user, types):
        return models.Q(object_type__in=types, data__published=True)

    @property
    def feed_key(self):
        return (Published,)

    def __repr__(self):
        return f"Published({self.field!r})"


class AnyOf(Scope):
    """Visible under any of `scopes` (a help request: its enterprise's, or its assignee's)."""

    def __init__(self, *scopes: Scope, **where):
        if not scopes:
            raise ImproperlyConfigured("AnyOf needs at least one scope")
        super().__init__(**where)
        self.scopes = scopes
        self.everything = tuple({role for scope in scopes for role in scope.everything})

    def sees_all(self, user):
        return any(scope.sees_all(user) for scope in self.scopes)

    def rows(self, user):
        condition = NOTHING
        for scope in self.scopes:
            if scope.sees_all(user):
                return None
            part = scope.rows(user)
            if part is None:
                return None
            condition |= part
        return condition

    def entries(self, user, types):
        condition = NOTHING
        for scope in self.scopes:
            condition |= (models.Q(object_type__in=types) if scope.sees_all(user)
                          else scope.entries(user, types))
        return condition

    def columns(self, obj):
        if self.enterprise_path is not None or self.district_path is not None:
            return super().columns(obj)
        enterprise, district = None, ""
        for scope in self.scopes:
            part_enterprise, part_district = scope.columns(obj)
            enterprise = enterprise if enterprise is not None else part_enterprise
            district = district or part_district
        return enterprise, district

    @property
    def feed_key(self):
        return (AnyOf, *(scope.feed_key for scope in self.scopes))

    def __repr__(self):
        return f"AnyOf{self.scopes!r}"


def scope_of(model) -> Scope:
    scope = getattr(model, "scope", None)
    if not isinstance(scope, Scope):
        raise ImproperlyConfigured(
            f"{model._meta.label} declares no scope: set `scope = ...` on the model "
            "(portal.scope, enterprises.scope)"
        )
    return scope


class ScopedQuerySet(models.QuerySet):
    """`visible_to(user)` from the model's declared scope: the one rule for the API, the
    admin, pages, exports and the feed."""

    def visible_to(self, user):
        if not signed_in(user):
            return self.none()
        scope = scope_of(self.model)
        if scope.sees_all(user):
            return self.all()
        condition = scope.rows(user)
        return self.all() if condition is None else self.filter(condition)


def check_declared(models_: Iterable[type[models.Model]]) -> list[str]:
    """Labels of `models_` that declare no scope (for system checks and tests)."""
    return [model._meta.label for model in models_
            if not isinstance(getattr(model, "scope", None), Scope)]
