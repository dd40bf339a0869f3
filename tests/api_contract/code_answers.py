"""What the code says a user may do and read, to compare with the hand-written table.

Kept apart from `scope_table.py` so that the table never reads the code: this module asks
`has_perm` and `visible_to`, the table is only ever compared with its answers.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin

from portal import tracking
from portal.api import urls as api_urls
from portal.scope import Scope, ScopedQuerySet

from .scope_table import ACTIONS, ALL, OWN_ROWS


def routed_models() -> set:
    """Models behind the API's routes."""
    found = set()
    for _prefix, viewset, _basename in api_urls.router.registry:
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None:
            found.add(queryset.model)
    return found


def compared_models() -> list:
    """Every model a surface serves: tracked, routed or registered in the admin."""
    models = {spec.model for spec in tracking.tracked_types().values()}
    models |= routed_models()
    models |= set(admin.site._registry)
    return sorted(models, key=lambda model: model._meta.label_lower)


def model_of(label: str):
    return apps.get_model(label)


def declares_scope(model) -> bool:
    return isinstance(getattr(model, "scope", None), Scope)


def may(user, model) -> frozenset[str]:
    meta = model._meta
    return frozenset(action for action in ACTIONS
                     if user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}"))


def visible(model, user):
    """`visible_to(user)` from the model's declared scope (its manager's, where it has one;
    users and groups keep Django's managers and declare their scope on the class)."""
    manager = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return ScopedQuerySet(model=model, using=manager.db).visible_to(user)


def reads(world, user, model):
    """The rows `user` reads of `model` as the code says: `visible_to` where it may read the
    model at all (the `view` permission, or its own rows), as names or ALL. A model that
    declares no scope is read in full by whoever holds `view` (the journal's admin)."""
    label = model._meta.label_lower
    if "view" not in may(user, model) and label not in OWN_ROWS:
        return frozenset()
    if not declares_scope(model):
        return ALL
    pks = list(visible(model, user).values_list("pk", flat=True))
    return in_full(world, model, world.named(model, pks))


def in_full(world, model, names):
    """`names`, or ALL when they are every row of the model."""
    if names == ALL:
        return ALL
    every = world.named(model, model._default_manager.values_list("pk", flat=True))
    return ALL if every and set(names) == every else frozenset(names)
