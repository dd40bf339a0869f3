"""Every API route × every role (and anonymous), in scope and out, against the scope table.

Routes are read from the router and the URL patterns of /api/v1/, so a new resource or
action is covered without editing this file. What each call should answer comes from the
hand-written table (`scope_table.py`, from DESIGN §5–6), never from the code's own
`has_perms` or `visible_to`:

- anonymous: 401 everywhere except views open to everyone (token sign-in);
- without the permission the method needs (the table's `may`): 403, whether or not the
  object is in scope;
- with it: reads 200 (lists, and objects the table says the role reads); an object the
  role does not read 404 for every method, so its existence does not leak; a write to an
  object it reads is ACCEPTED, or 403 where the table's `refused` names the action.

ACCEPTED are the answers of a write the API took up and decided on its merits:
- 200, 201, 204: done;
- 400: the body (`{}`) is incomplete, or the object's state refuses the step (a filed
  filing is not submitted again), with field errors (DESIGN §5);
- 409: the object cannot go (an enterprise with filings) or a retry is still running;
- 412, 428: the version precondition (If-Match stale or missing, DESIGN §5): the matrix
  sends the version it read, so these mean a route asks for more than the contract.
Not accepted: 401, 403, 404, 405, 415, 422 and every 5xx.

The permission a method needs follows `portal.api.permissions.ModelPermissions`: `view`
to read, `add` to create, `change` for PUT/PATCH and for POST to a detail action,
`delete` to delete, or what the view names in `action_permissions`. Views without model
permissions (the caller's own inbox and tokens, the feed) need only a signed-in user.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, DjangoModelPermissions, IsAuthenticated
from rest_framework.routers import APIRootView
from rest_framework.test import APIClient

from filings.models import MEASURES
from portal.api import urls as api_urls
from portal.api.permissions import STANDARD_ACTIONS

from .conftest import COUNTS, undone
from .scope_table import ALL, defect, expected
from .world import ANONYMOUS, ROLES, URL_KWARGS, person

pytestmark = pytest.mark.django_db

IDENTITIES = [ANONYMOUS, *ROLES]
# HEAD and OPTIONS behave as GET does for permissions; the five below are the contract.
METHODS = ("get", "post", "put", "patch", "delete")
SAFE = {"get"}
ACCEPTED = frozenset({200, 201, 204, 400, 409, 412, 428})
# Bodies that pass a transition's own validation, so that who may take it is what decides.
BODIES = {
    "review": {"approve": True},
    "confirm": {"outcome": "confirmed", "checklist": dict.fromkeys(MEASURES, True)},
}


@dataclass(frozen=True)
class Route:
    """One URL pattern of /api/v1/ and what serves it."""

    name: str
    regex: str
    view: type
    actions: dict[str, str]  # method → action name (for plain views, method → method)
    detail: bool
    parsers: tuple = ()

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
        initkwargs = getattr(callback, "initkwargs", {})
        detail = bool(initkwargs.get("detail"))
        parsers = tuple(initkwargs.get("parser_classes") or view.parser_classes)
        routes.append(Route(pattern.name, pattern.pattern.regex.pattern, view, actions, detail,
                            parsers))
    for pattern in api_urls.urlpatterns:
        if not isinstance(pattern, URLPattern):
            continue  # the router's include, walked above
        view = getattr(pattern.callback, "view_class", None)
        if view is None:
            continue  # a plain function: the JSON 404 for addresses no route matches
        actions = {method: method for method in METHODS
                   if hasattr(view, method) and method in view.http_method_names}
        routes.append(Route(pattern.name, pattern.pattern.regex.pattern, view, actions, False,
                            tuple(view.parser_classes)))
    return routes


ROUTES = _routes()


def _uses_model_permissions(view) -> bool:
    return any(issubclass(cls, DjangoModelPermissions) for cls in view.permission_classes)


def _open_to_everyone(view) -> bool:
    return all(issubclass(cls, AllowAny) for cls in view.permission_classes)


def _required(route: Route, method: str) -> list[tuple[str, str]]:
    """The (model label, action) permissions `method` on `route` needs (none: signed in is
    enough), as the API's contract (ModelPermissions) states them."""
    view = route.view
    if view is APIRootView or not _uses_model_permissions(view):
        unknown = [cls for cls in view.permission_classes
                   if not issubclass(cls, (IsAuthenticated, AllowAny, DjangoModelPermissions))]
        assert not unknown, (
            f"{route}: permission classes {unknown} are new to the role matrix; teach "
            "_required what they require"
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
            pairs = []
            for permission in declared:
                app_label, code = permission.split(".")
                verb, model_name = code.split("_", 1)
                pairs.append((f"{app_label}.{model_name}", verb))
            return pairs
        codename = "change" if route.detail and action not in STANDARD_ACTIONS else "add"
    return [(meta.label_lower, codename)]


def _row(world, role: str, label: str):
    found = expected(person(role, "a"), role, label)
    assert found is not None, (
        f"{label} is missing from the scope table for {role}: add it to "
        "tests/api_contract/scope_table.py"
    )
    return found


def _objects(route: Route, role: str | None, world):
    """(object, in scope?) pairs to try, from the table: the first row the role reads and
    the first it does not (for anonymous, one row)."""
    model = route.model
    assert model is not None, f"{route}: a detail route needs a view with a queryset"
    label = model._meta.label_lower
    manager = model._default_manager
    assert manager.exists(), (
        f"{route}: the world has no {model._meta.label} object; add one in A's scope and "
        "one in B's to tests/api_contract/world.py:build_world"
    )
    if role is None:
        return [(manager.order_by("pk").first(), None)]
    reads = _row(world, role, label).reads
    if reads == ALL:
        return [(manager.order_by("pk").first(), True)]
    pks = list(manager.order_by("pk").values_list("pk", flat=True))
    inside = [pk for pk in pks if world.name_of(model, pk) in reads]
    # Named rows first: they are the other side's twins the table speaks of.
    outside = sorted((pk for pk in pks if world.name_of(model, pk) not in reads),
                     key=lambda pk: world.name_of(model, pk) is None)
    return [(manager.get(pk=found[0]), scoped)
            for found, scoped in ((inside, True), (outside, False)) if found]


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


def _call(client: APIClient, route: Route, method: str, url: str, obj):
    """One request, its effects rolled back so each call meets the same world: (status,
    the ids a list answered with, or None). Writes to an object carry its version
    (If-Match); bodies are JSON `{}` or, for a route that reads no JSON (uploads), an
    empty multipart form."""
    headers = {}
    if obj is not None and method in {"put", "patch", "delete", "post"} and hasattr(obj,
                                                                                    "version"):
        headers["HTTP_IF_MATCH"] = f'"{obj.version}"'
    with undone():
        if method == "get" or any(issubclass(parser, JSONParser) for parser in route.parsers):
            body = json.dumps(BODIES.get(route.actions[method], {}) if method != "get" else {})
            response = client.generic(method.upper(), url, data=body,
                                      content_type="application/json", **headers)
        else:
            response = getattr(client, method)(url, data={}, format="multipart", **headers)
        status = response.status_code
        if getattr(response, "streaming", False):
            # Reading it to the end closes the file; the test client does so without
            # letting `request_finished` close the database connection (PostgreSQL).
            b"".join(response.streaming_content)
    return status, _listed(response) if method == "get" and not route.detail else None


def _listed(response):
    """The ids of a list's first page (None: not a list of objects with ids)."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    body = response.json()
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list) or not all(
        isinstance(item, dict) and "id" in item for item in results
    ):
        return None
    if body.get("next"):
        return None  # more than a page: the first page proves nothing about the rest
    return [item["id"] for item in results]


def _expectation(route, method, world, role: str | None, inside: bool | None) -> str:
    """'open', '401', '403', '404', '200', or 'accepted'."""
    if _open_to_everyone(route.view):
        return "open"
    if role is None:
        return "401"
    for label, action in _required(route, method):
        if action not in _row(world, role, label).may:
            return "403"
    if inside is False:
        return "404"
    if method in SAFE:
        return "200"
    if route.model is not None and inside and route.actions[method] in _row(
        world, role, route.model._meta.label_lower
    ).refused:
        return "403"
    return "accepted"


def _check(status: int, expected_: str) -> bool:
    if expected_ == "open":
        return status not in (401, 403, 404) and status < 500
    if expected_ == "accepted":
        return status in ACCEPTED
    return str(status) == expected_


def _answers(route: Route, identity: str, world) -> list[tuple[str, str]]:
    """(failure, defect or "") for each call `identity` makes on `route` whose answer is not
    the table's."""
    role = None if identity == ANONYMOUS else identity
    client = APIClient()
    client.credentials(**{f"HTTP_{k.upper()}": v for k, v in world.headers(identity).items()})
    failures = []
    for method in sorted(route.actions, key=METHODS.index):
        subjects = _objects(route, role, world) if route.detail else [(None, None)]
        assert subjects, f"{route}: no object for {identity}"
        for obj, inside in subjects:
            url = _url(route, obj)
            want = _expectation(route, method, world, role, inside)
            status, listed = _call(client, route, method, url, obj)
            COUNTS["API matrix: calls (route × role × method, in and out of scope)"] += 1
            known = (defect(role, route.model._meta.label_lower) or "") if (
                role and route.model is not None) else ""
            if not _check(status, want):
                where = "" if obj is None else (" (in scope)" if inside else " (out of scope)")
                failures.append((f"{identity}: {method.upper()} {url}{where}: {status}, "
                                 f"expected {want}", known))
            elif listed is not None and role and route.model is not None:
                reads = _row(world, role, route.model._meta.label_lower).reads
                got = world.named(route.model, listed)
                if reads == ALL and len(listed) != route.model._default_manager.count():
                    failures.append((f"{identity}: GET {url} lists {len(listed)} rows, the "
                                     "table says all of them", known))
                elif reads != ALL and got != set(reads):
                    failures.append((f"{identity}: GET {url} lists {sorted(got)}, the table "
                                     f"says {sorted(reads)}", known))
    return failures


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_route_answers_each_role_as_the_scope_table_says(shared_world, route, identity):
    """Failures that a known defect explains (scope_table.KNOWN_DEFECTS, held strictly by
    test_scope_table.py) make the case an xfail naming it; any other failure fails."""
    failures = _answers(route, identity, shared_world)
    unexplained = [line for line, known in failures if not known]
    assert not unexplained, "\n".join(line for line, _known in failures)
    if failures:
        pytest.xfail(f"{failures[0][1]}\n" + "\n".join(line for line, _known in failures))


def test_every_routed_model_is_in_the_scope_table():
    """A new resource is in the hand-written table before the matrix can check it."""
    missing = sorted({
        f"{role}: {route.model._meta.label_lower}" for route in ROUTES
        if route.model is not None for role in ROLES
        if expected(person(role, "a"), role, route.model._meta.label_lower) is None
    })
    assert not missing, f"add to tests/api_contract/scope_table.py: {missing}"


def test_every_routed_model_has_objects_in_the_world(shared_world):
    """A new resource needs rows here before the matrix can check its scope."""
    missing = sorted({
        route.model._meta.label for route in ROUTES
        if route.model is not None and not route.model._default_manager.exists()
    })
    assert not missing, (
        f"no object of {missing} in the world: add them (one in A's scope, one in B's) "
        "to tests/api_contract/world.py:build_world"
    )


def test_world_has_objects_outside_each_scoped_role(shared_world):
    """Every role but the all-seeing ones meets, on some detail route, an object the table
    says it does not read: otherwise the matrix tests no 404."""
    for role in ROLES:
        if role in ("inspector", "admin"):
            continue
        outside = [route.name for route in ROUTES if route.detail and route.model is not None
                   and any(not scoped for _obj, scoped in _objects(route, role, shared_world))]
        assert outside, f"{role} reads every object of the world: the matrix tests no 404"
