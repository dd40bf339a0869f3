"""Every API route × every role (and anonymous), in scope and out, against DESIGN §5–6.

Routes are read from the router and the URL patterns of /api/v1/, so a new resource or
action is covered without editing this file. What each call should answer is derived from
the role's model permissions (`user.has_perm`) and the model's `visible_to(user)`:

- anonymous: 401 everywhere except views open to everyone (token sign-in);
- without the permission the method needs: 403, whether or not the object is in scope;
- with it: lists 200; an object in scope 200 to read, never 404 (nor a server error) to
  change; an object outside the caller's scope 404 for every method, so its existence
  does not leak.

The permission a method needs follows `portal.api.permissions.ModelPermissions`: `view`
to read, `add` to create, `change` for PUT/PATCH and for POST to a detail action,
`delete` to delete, or what the view names in `action_permissions`. Views without model
permissions (the caller's own inbox, the feed) need only a signed-in user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, reverse
from rest_framework.permissions import AllowAny, DjangoModelPermissions, IsAuthenticated
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient

from portal.api import urls as api_urls
from portal.api.permissions import STANDARD_ACTIONS
from portal.roles import Role

from .world import ANONYMOUS, URL_KWARGS

ROLES = [ANONYMOUS, *(role.value for role in Role)]
# HEAD and OPTIONS behave as GET does for permissions; the five below are the contract.
METHODS = ("get", "post", "put", "patch", "delete")
SAFE = {"get"}


@dataclass(frozen=True)
class Route:
    """One URL pattern of /api/v1/ and what serves it."""

    name: str
    regex: str
    view: type
    actions: dict[str, str]  # method → action name (for plain views, method → method)
    detail: bool

    @property
    def model(self):
        queryset = getattr(self.view, "queryset", None)
        return queryset.model if queryset is not None else None

    @property
    def lookup_kwarg(self) -> str:
        return self.view.lookup_url_kwarg or self.view.lookup_field

    @property
    def kwargs(self) -> list[str]:
        return list(re.compile(self.regex).groupindex)

    def __str__(self) -> str:
        return self.name


def _routes() -> list[Route]:
    routes = []
    for pattern in api_urls.router.urls:
        if "format" in pattern.pattern.regex.groupindex:
            continue  # the `.json` suffix twin of a route already listed
        callback = pattern.callback
        view = getattr(callback, "cls", None) or callback.view_class
        actions = dict(getattr(callback, "actions", None) or {})
        if not actions:
            actions = {method: method for method in METHODS if hasattr(view, method)}
        allowed = {name.lower() for name in view.http_method_names}
        actions = {method: name for method, name in actions.items() if method in allowed}
        detail = bool(getattr(callback, "initkwargs", {}).get("detail"))
        routes.append(Route(pattern.name, pattern.pattern.regex.pattern, view, actions, detail))
    for pattern in api_urls.urlpatterns:
        if not isinstance(pattern, URLPattern):
            continue  # the router's include, walked above
        view = getattr(pattern.callback, "view_class", None)
        if view is None:
            continue  # a plain function: the JSON 404 for addresses no route matches
        view = pattern.callback.view_class
        actions = {method: method for method in METHODS
                   if hasattr(view, method) and method in view.http_method_names}
        routes.append(Route(pattern.name, pattern.pattern.regex.pattern, view, actions, False))
    return routes


ROUTES = _routes()


def _uses_model_permissions(view) -> bool:
    return any(issubclass(cls, DjangoModelPermissions) for cls in view.permission_classes)


def _open_to_everyone(view) -> bool:
    return all(issubclass(cls, AllowAny) for cls in view.permission_classes)


def _required_permissions(route: Route, method: str) -> list[str]:
    """The model permissions `method` on `route` needs (none: signed in is enough)."""
    view = route.view
    if view is APIRootView or not _uses_model_permissions(view):
        unknown = [cls for cls in view.permission_classes
                   if not issubclass(cls, (IsAuthenticated, AllowAny, DjangoModelPermissions))]
        assert not unknown, (
            f"{route}: permission classes {unknown} are new to the role matrix; teach "
            "_required_permissions what they require"
        )
        return []
    meta = route.model._meta
    action = route.actions[method]
    codename = {"get": "view", "put": "change", "patch": "change", "delete": "delete"}.get(
        method
    )
    if codename is None:  # POST
        declared = getattr(view, "action_permissions", {}).get(action)
        if declared is not None:
            return list(declared)
        codename = "change" if route.detail and action not in STANDARD_ACTIONS else "add"
    return [f"{meta.app_label}.{codename}_{meta.model_name}"]


def _visible(model, user):
    manager = model._default_manager
    if user is None:
        return manager.none()
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    return manager.all()  # no row scope: the model permission alone decides


def _objects(route: Route, user):
    """(object, inside scope?) pairs to try: the first in scope and the first outside it."""
    model = route.model
    assert model is not None, f"{route}: a detail route needs a view with a queryset"
    manager = model._default_manager
    assert manager.exists(), (
        f"{route}: the world has no {model._meta.label} object; add one in A's scope and "
        "one in B's to tests/api_contract/world.py:build_world"
    )
    visible = _visible(model, user).values("pk")
    pairs = []
    inside = manager.filter(pk__in=visible).order_by("pk").first()
    outside = manager.exclude(pk__in=visible).order_by("pk").first()
    if inside is not None:
        pairs.append((inside, True))
    if outside is not None:
        pairs.append((outside, False))
    return pairs


def _url(route: Route, obj=None) -> str:
    kwargs = {}
    for name in route.kwargs:
        if route.detail and name == route.lookup_kwarg:
            lookup = route.view.lookup_field
            kwargs[name] = obj.pk if lookup == "pk" else getattr(obj, lookup)
        else:
            assert name in URL_KWARGS, (
                f"{route}: no value for the URL argument {name!r}; add one to "
                "tests/api_contract/world.py:URL_KWARGS"
            )
            kwargs[name] = URL_KWARGS[name](obj)
    return reverse(route.name, kwargs=kwargs)


def _call(client: APIClient, method: str, url: str) -> int:
    """One request, its effects rolled back so each call meets the same world."""
    with transaction.atomic():
        response = client.generic(method.upper(), url, data="{}", content_type="application/json")
        status = response.status_code
        if getattr(response, "streaming", False):
            # Reading it to the end closes the file; the test client does so without
            # letting `request_finished` close the database connection (PostgreSQL).
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return status


def _expectation(route, method, user, inside: bool | None) -> str:
    """'401', '403', '404', '200', or 'accepted' (any answer but 401/404 and 5xx)."""
    if _open_to_everyone(route.view):
        return "open"
    if user is None:
        return "401"
    if not user.has_perms(_required_permissions(route, method)):
        return "403"
    if inside is False:
        return "404"
    return "200" if method in SAFE else "accepted"


def _check(status: int, expected: str) -> bool:
    if expected == "open":
        return status != 401 and status < 500
    if expected == "accepted":
        return status not in (401, 404) and status < 500
    return str(status) == expected


def _answers(route: Route, role: str, world) -> list[str]:
    """Each call `role` makes on `route` whose answer is not the expected one."""
    user = world.users[role]
    client = APIClient()
    client.credentials(**{f"HTTP_{k.upper()}": v for k, v in world.headers(role).items()})
    failures = []
    # Reads first, then writes; each call is rolled back anyway.
    for method in sorted(route.actions, key=lambda name: METHODS.index(name)):
        if route.detail:
            subjects = _objects(route, user) if user else _objects(route, None)[:1]
            assert user is None or subjects, f"{route}: no object for {role}"
        else:
            subjects = [(None, None)]
        for obj, inside in subjects:
            url = _url(route, obj)
            expected = _expectation(route, method, user, inside if user else None)
            status = _call(client, method, url)
            if not _check(status, expected):
                where = "" if obj is None else (" (in scope)" if inside else " (out of scope)")
                failures.append(
                    f"{role}: {method.upper()} {url}{where}: {status}, expected {expected}"
                )
    return failures


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_each_role_as_scope_and_permissions_say(route, world):
    failures = [line for role in ROLES for line in _answers(route, role, world)]
    assert not failures, "\n".join(failures)


def test_every_routed_model_has_objects_in_the_world(world):
    """A new resource needs rows here before the matrix can check its scope."""
    missing = sorted({
        route.model._meta.label for route in ROUTES
        if route.model is not None and not route.model._default_manager.exists()
    })
    assert not missing, (
        f"no object of {missing} in the world: add them (one in A's scope, one in B's) "
        "to tests/api_contract/world.py:build_world"
    )


def test_world_has_objects_outside_each_scoped_role(world):
    """Every role but the all-seeing ones meets some object outside its scope."""
    for role, user in world.users.items():
        if user is None or user.sees_everything:
            continue
        outside = [
            route.name for route in ROUTES
            if route.detail and route.model is not None
            and hasattr(route.model._default_manager, "visible_to")
            and route.model._default_manager.exclude(
                pk__in=_visible(route.model, user).values("pk")
            ).exists()
        ]
        assert outside, f"{role} sees every object of the world: the matrix tests no 404"
