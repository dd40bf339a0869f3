"""Every documented operation × every role (and anonymous), in scope and out, validated
against the live schema (issue 10 §2).

The operations are read from /api/schema/ and matched to the URL patterns that serve them,
so an endpoint added later is walked without editing this file, and one the schema does not
document fails here. Each call meets the contract world (tests/api_contract/world.py): for
a detail route, the first object the caller may see and the first it may not. Writes send
`{}` with the object's current ETag, so they reach the serializers and the services; every
call is rolled back. Whatever the answer, it must be one the schema documents, with the
body and headers documented for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from portal.roles import Role
from tests.api_contract.world import ANONYMOUS

from .validation import checker, live_schema

pytestmark = pytest.mark.django_db

IDENTITIES = [ANONYMOUS, *(role.value for role in Role)]
METHODS = ("get", "post", "put", "patch", "delete")
API = "/api/v1/"


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    name: str  # the URL pattern's name
    view: type
    kwargs: tuple[str, ...]
    detail: bool

    @property
    def model(self):
        queryset = getattr(self.view, "queryset", None)
        return None if queryset is None else queryset.model

    @property
    def lookup_kwarg(self) -> str:
        return self.view.lookup_url_kwarg or self.view.lookup_field

    def __str__(self):
        return f"{self.method.upper()} {self.template}"


def _patterns(resolver: URLResolver, prefix: str = ""):
    """(full regex, pattern) for every URL pattern below `resolver`."""
    for pattern in resolver.url_patterns:
        regex = prefix + pattern.pattern.regex.pattern.lstrip("^")
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, regex.removesuffix("\\Z").rstrip("$"))
        elif isinstance(pattern, URLPattern):
            yield regex, pattern


def _template(regex: str) -> str:
    """`api/v1/filings/(?P<pk>[^/.]+)/$` → `/api/v1/filings/{pk}/`."""
    text = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))+\)", r"{\1}", regex)
    text = text.replace("\\Z", "").replace("\\.", ".").replace("$", "").replace("^", "")
    return "/" + text.lstrip("/")


def _operations() -> list[Operation]:
    """The schema's operations, each with the URL pattern that serves it."""
    served = {}
    for regex, pattern in _patterns(get_resolver()):
        template = _template(regex)
        view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback,
                                                                 "view_class", None)
        if not template.startswith(API) or view is None or "{format}" in template:
            continue
        generic = re.sub(r"\{\w+\}", "{}", template)
        served.setdefault(generic, (pattern, view, template))
    operations = []
    for template, path_item in live_schema()["paths"].items():
        generic = re.sub(r"\{[\w-]+\}", "{}", template)
        assert generic in served, f"{template}: documented, but no URL pattern serves it"
        pattern, view, django_template = served[generic]
        kwargs = tuple(re.findall(r"\{(\w+)\}", django_template))
        detail = bool(getattr(pattern.callback, "initkwargs", {}).get("detail"))
        for method in METHODS:
            if method in path_item:
                operations.append(Operation(method, template, pattern.name, view, kwargs,
                                            detail))
    return operations


OPERATIONS = _operations()


def _visible(model, user):
    manager = model._default_manager
    if user is None:
        return manager.none()
    return manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()


def _subjects(operation: Operation, user) -> list:
    """The objects to call a detail route with: the first in `user`'s scope, the first
    outside it (for anonymous, any one)."""
    model = operation.model
    manager = model._default_manager
    visible = _visible(model, user).values("pk")
    found = [manager.filter(pk__in=visible).order_by("pk").first(),
             manager.exclude(pk__in=visible).order_by("pk").first()]
    found = [obj for obj in found if obj is not None]
    assert found, f"{operation}: the contract world has no {model._meta.label}"
    return found[:1] if user is None else found


def _related_id(obj, kwarg: str):
    """A value for a URL argument besides the lookup (`attachment_id`, `photo_id`): the first
    object of `obj`'s reverse relation whose model's name ends with it; 0 without one."""
    wanted = kwarg.removesuffix("_id")
    for relation in obj._meta.related_objects:
        if relation.related_model._meta.model_name.endswith(wanted):
            first = relation.related_model._default_manager.filter(
                **{relation.field.name: obj}
            ).order_by("pk").first()
            return first.pk if first is not None else 0
    return 0


def _url(operation: Operation, obj) -> str:
    kwargs = {}
    for name in operation.kwargs:
        if obj is not None and name == operation.lookup_kwarg:
            lookup = operation.view.lookup_field
            kwargs[name] = obj.pk if lookup == "pk" else getattr(obj, lookup)
        else:
            kwargs[name] = _related_id(obj, name) if obj is not None else 0
    return reverse(operation.name, kwargs=kwargs)


def _call(client: APIClient, operation: Operation, url: str, obj):
    """One request, rolled back; the response with its file (if any) read to the end."""
    headers = {}
    if obj is not None and hasattr(obj, "version") and operation.method != "get":
        headers["HTTP_IF_MATCH"] = f'"{obj.version}"'
    with transaction.atomic():
        if operation.method == "get":
            response = client.get(url)
        else:
            response = client.generic(operation.method.upper(), url, data="{}",
                                      content_type="application/json", **headers)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_every_answer_of_every_role_is_documented(operation, world):
    check = checker()
    problems = []
    for identity in IDENTITIES:
        user = world.users[identity]
        client = APIClient()
        client.credentials(**{f"HTTP_{key.upper()}": value
                              for key, value in world.headers(identity).items()})
        subjects = _subjects(operation, user) if "{" in operation.template else [None]
        for obj in subjects:
            response = _call(client, operation, _url(operation, obj), obj)
            problems += [f"{identity}: {line}" for line in check.problems(response)]
    assert not problems, "\n".join(problems)


def test_every_api_route_is_documented():
    """A route under /api/v1/ that the schema leaves out is a route no client can find."""
    documented = {re.sub(r"\{[\w-]+\}", "{}", template) for template in live_schema()["paths"]}
    missing = []
    for regex, pattern in _patterns(get_resolver()):
        template = _template(regex)
        view = getattr(pattern.callback, "cls", None)
        if (not template.startswith(API) or view is None or "{format}" in template
                or template == API):
            continue
        if re.sub(r"\{\w+\}", "{}", template) not in documented:
            missing.append(template)
    assert not missing, f"routes the schema does not document: {missing}"
