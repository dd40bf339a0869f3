"""Malformed input at every route of the site never gets a 5xx (DESIGN §5; issue 9 §4).

The routes are found by walking the URL resolver: the pages, the admin, the audit pages,
the public verify page, the API and its documentation; a route added later is thrown the
corpus without anyone listing it. Each class of malformed input below reaches every route,
signed out, as an administrator or as an enterprise member (`_plan` says which); every API
route gets every class signed in, and the sign-in doors and the public verify page get
every class as every identity. NUL bytes and broken UTF-8 in the path, the query string or
a header are refused with a 400 before any view runs (`portal.middleware.InputHygieneMiddleware`).

Regression for issue 9 §4: deeply nested JSON on sign-in and on writes, NUL in a header,
a path and a query parameter, far-future dates in the audit filters and very long ids in
audit addresses each answered 500.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from portal.roles import Role
from tests.api_contract.world import ANONYMOUS, build_world

pytestmark = pytest.mark.django_db

SIGNED_IN = (Role.ADMIN.value, Role.ENTERPRISE.value)
IDENTITIES = (ANONYMOUS, *SIGNED_IN)
# Routes every class of input reaches as every identity: where strangers knock first.
DOORS = {"login", "api-token", "filing-verify", "admin:login"}
# Routes whose answer may end the caller's session or revoke its token.
SIGNS_OUT = re.compile(r"logout|password|token")
DEEP = 10_000
SLOW_REQUEST_SECONDS = 10


# --- the routes --------------------------------------------------------------------------


@dataclass
class Route:
    """One URL pattern: its full pattern text, its name and what serves it."""

    pattern: str
    name: str
    callback: Callable
    template: str = ""
    params: list[str] = field(default_factory=list)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("/api/v1/")

    @property
    def methods(self) -> list[str]:
        """Methods the route answers, for a DRF view; GET and POST for anything else."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return sorted(method.upper() for method in actions)
        return ["GET", "POST"]

    @property
    def write_methods(self) -> list[str]:
        return [m for m in self.methods if m in {"POST", "PUT", "PATCH"}] or ["POST"]


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            if name and namespace:
                name = f"{namespace}:{name}"
            yield Route(pattern=prefix + str(pattern.pattern), name=name,
                        callback=pattern.callback)


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _template(pattern: str) -> tuple[str, list[str]]:
    """A route's pattern text as a format string ("/filings/{pk}/") and its parameters,
    for both path() converters and the routers' regular expressions."""
    params: list[str] = []
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            end = pattern.index(">", i)
            name = pattern[i + 4:end]
            depth, j = 1, end + 1
            while depth:
                if pattern[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[j], 0)
                j += 1
            params.append(name)
            out.append("{" + name + "}")
            i = j
        else:
            out.append(pattern[i])
            i += 1
    text = "".join(out)
    text = text.replace(r"[\s\S]*", "nowhere").replace(r"\.", ".").replace("/?", "/")
    text = text.replace("^", "").replace("$", "")

    def converter(match):
        params.append(match.group(1))
        return "{" + match.group(1) + "}"

    text = _CONVERTER.sub(converter, text)
    return "/" + text, params


def routes() -> list[Route]:
    found = []
    for route in _walk(get_resolver().url_patterns):
        route.template, route.params = _template(route.pattern)
        found.append(route)
    return found


def families() -> list[list[Route]]:
    """The routes, each with its format-suffix twin (`/enterprises/{pk}/` and
    `/enterprises/{pk}.{format}/`): one view, so the classes of input are shared out
    between the two."""
    grouped: dict[tuple[str, str], list[Route]] = {}
    for route in routes():
        grouped.setdefault((route.name, route.template.replace(".{format}", "")), []).append(route)
    return list(grouped.values())


def _model_of(route: Route):
    view = getattr(route.callback, "cls", None)
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model, getattr(view, "lookup_field", "pk")
    model_admin = getattr(route.callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model, "pk"
    return None, "pk"


def _values(route: Route, world, user, *, newest: bool = False) -> dict[str, str]:
    """Real values for a route's parameters, in `user`'s scope where the model has one:
    the corpus should reach the views' deeper code, not stop at a 404. `newest` takes the
    last row rather than the first (a token made for the purpose, not the caller's own)."""
    filing = world.objects["filing_a"]
    enterprise = world.objects["enterprise_a"]
    model, lookup = _model_of(route)
    real = ""
    if model is not None:
        rows = model.objects.all()
        if user is not None and hasattr(rows, "visible_to"):
            rows = rows.visible_to(user)
        if model._meta.label_lower == "portal.user" and user is not None:
            rows = rows.exclude(pk=user.pk)  # no admin delete page removes the actor itself
        row = rows.order_by("-pk" if newest else "pk").first()
        real = "" if row is None else str(getattr(row, lookup))
    values = {
        "pk": real or "1",
        "object_id": real or "1",
        "number": real or "1",
        "attachment_id": str(filing.attachments.order_by("pk").values_list("pk", flat=True)[0]),
        "token": filing.verify_token,
        "object_type": "enterprises.enterprise",
        "format": "json",
        "app_label": "enterprises",
        "url": "nowhere/",
    }
    if route.name.startswith("filings:") or route.name.startswith("filing-"):
        values["pk"] = str(filing.pk)
    if route.name == "audit:timeline":
        values["object_id"] = str(enterprise.pk)
    return {name: values.get(name, "1") for name in route.params}


def _path(route: Route, values: dict[str, str], bad_segment: str | None = None) -> str:
    """The route's path; with `bad_segment`, it stands in for the first parameter (or is
    added as a last segment to a route without parameters)."""
    values = dict(values)
    if bad_segment is not None:
        if route.params:
            values[route.params[0]] = bad_segment
        else:
            return route.template.format(**values).rstrip("/") + "/" + bad_segment + "/"
    return route.template.format(**values)


# --- the corpus --------------------------------------------------------------------------


@dataclass
class Probe:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "application/json"
    refused: bool = False  # the input hygiene middleware must answer 400


def _write(route: Route, turn: int) -> str:
    methods = route.write_methods
    return methods[turn % len(methods)]


def _json(text: str) -> bytes:
    return text.encode()


STRING_FIELDS = ("name", "username", "password", "title", "address", "contact_name",
                 "legal_representative", "signer_name", "reason", "report", "credit_code")


def nested_json(route, values, turn):
    if turn % 2:
        body = '{"username": "a", "password": "b", "name": ' + "[" * DEEP + "]" * DEEP + "}"
    else:
        body = '{"a":' * DEEP + "1" + "}" * DEEP
    return Probe(_write(route, turn), _path(route, values), body=_json(body))


def nul_in_path(route, values, turn):
    return Probe("GET", _path(route, values, "a%00b"), refused=True)


def nul_in_query(route, values, turn):
    return Probe("GET", _path(route, values), query="q=a%00b&search=%00&cursor=x%00",
                 refused=True)


def nul_in_header(route, values, turn):
    name = ("X-Probe", "Accept-Language", "User-Agent", "Referer")[turn % 4]
    return Probe("GET", _path(route, values), headers={name: "zh\x00hans"}, refused=True)


def nul_in_body(route, values, turn):
    if turn % 2:
        fields = {name: "a\\u0000b" for name in STRING_FIELDS}
        body = "{" + ",".join(f'"{k}": "{v}"' for k, v in fields.items()) + ', "\\u0000": 1}'
        return Probe(_write(route, turn), _path(route, values), body=_json(body))
    form = "&".join(f"{name}=a%00b" for name in STRING_FIELDS)
    return Probe("POST", _path(route, values), body=form.encode(),
                 content_type="application/x-www-form-urlencoded")


def invalid_utf8(route, values, turn):
    variant = turn % 4
    if variant == 0:
        return Probe("GET", _path(route, values, "%FF%FEx"), refused=True)
    if variant == 1:
        return Probe("GET", _path(route, values), query="q=%FF%FE&search=%C3%28", refused=True)
    if variant == 2:
        return Probe("GET", _path(route, values), headers={"X-Probe": "\xff\xfe\xc3\x28"},
                     refused=True)
    body = b'{"name": "\xff\xfe", "username": "\xc3\x28", "password": "\xed\xa0\x80"}'
    return Probe(_write(route, turn), _path(route, values), body=body)


def huge_numbers(route, values, turn):
    body = ('{"employee_count": 1e400, "employees_total": 99999999999999999999999999999, '
            '"employees_returning": -1e308, "enterprise": 123456789012345678901234567890, '
            '"spectrum": 1e308, "version": 18446744073709551617, "quantity": -0.0, '
            '"district": 9999999999999999999999, "industry": 1e-400, "id": ' + "9" * 4400 + "}")
    query = ("page_size=1e400&limit=99999999999999999999&after=99999999999999999999999"
             "&enterprise=1e999&spectrum=-99999999999999999999&seq=" + "9" * 5000)
    if turn % 2:
        return Probe("GET", _path(route, values), query=query)
    return Probe(_write(route, turn), _path(route, values), query=query, body=_json(body))


LONG_JSON = ("{" + ",".join(f'"{name}": "{"长" * 100_000}"' for name in STRING_FIELDS)
             + "}").encode()
LONG_QUERY = "q=" + "x" * 20_000 + "&search=" + "%E9%95%BF" * 5_000
# Beyond DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): Django refuses to read it.
OVERSIZED_FORM = b"name=" + b"x" * (3 * 1024 * 1024)


def huge_strings(route, values, turn):
    variant = turn % 3
    if variant == 0:
        return Probe(_write(route, turn), _path(route, values), body=LONG_JSON)
    if variant == 1:
        return Probe("GET", _path(route, values), query=LONG_QUERY)
    return Probe("POST", _path(route, values), body=OVERSIZED_FORM,
                 content_type="application/x-www-form-urlencoded")


def wrong_types(route, values, turn):
    bodies = (
        "[1, 2, 3]", '"a string"', "null", "42", "true",
        '{"name": {"a": 1}, "employee_count": "many", "measures": [1, 2], '
        '"is_key_project": "perhaps", "enterprise": [1], "lines": "x", "username": 1, '
        '"password": ["x"], "planned_resume_date": 20200301, "checklist": "all", '
        '"commitment_accepted": {"yes": true}, "spectrum": {"id": 1}, "district": true}',
    )
    return Probe(_write(route, turn), _path(route, values),
                 body=_json(bodies[turn % len(bodies)]))


def extreme_dates(route, values, turn):
    query = ("at_from=9999-12-31&at_to=0001-01-01&planned_resume_date=9999-12-31"
             "&updated_after=0001-01-01T00:00:00Z&since=99999-01-01&date=2020-02-30")
    body = ('{"planned_resume_date": "9999-12-31", "rectification_deadline": "0001-01-01", '
            '"active_from": "9999-12-31", "active_until": "0000-00-00", '
            '"deadline": "+275760-09-13", "due_at": "9999-12-31T23:59:59.999999+14:00"}')
    if turn % 2:
        return Probe("GET", _path(route, values), query=query)
    return Probe(_write(route, turn), _path(route, values), query=query, body=_json(body))


def long_ids(route, values, turn):
    bad = "9" * 400 if turn % 2 else "x" * 5_000
    return Probe("GET", _path(route, values, bad),
                 query="enterprise=" + "9" * 400 + "&object_id=" + "y" * 1000)


def bad_cursors(route, values, turn):
    forged = base64.urlsafe_b64encode(b"o=99999999999999999999999&r=1&p=%00").decode()
    queries = (
        "cursor=!!!not-base64!!!&after=-1&limit=abc&before=1e9999",
        f"cursor={forged}&page=-1&page_size=0&o=999&p=-5",
        "cursor=" + "A" * 10_000 + "&after=1.5&limit=-1&e=1&all=yes",
    )
    return Probe("GET", _path(route, values), query=queries[turn % len(queries)])


def bad_accept_language(route, values, turn):
    values_ = ("x" * 10_000, "en;q=abc, *;q=-1, zh-Hans-CN-x-" + "a" * 300,
               "*-*-*;q=1e400", ",,,;;;===", "zh-hans;q=" + "9" * 500)
    return Probe("GET", _path(route, values),
                 headers={"Accept-Language": values_[turn % len(values_)]})


def bad_idempotency_key(route, values, turn):
    keys = ("x" * 1_000, "  ", "key with spaces", "键".encode().decode("latin-1"), "a,b;c=d")
    return Probe("POST", _path(route, values), body=b'{"name": "x"}',
                 headers={"Idempotency-Key": keys[turn % len(keys)]})


def bad_if_match(route, values, turn):
    tags = ('W/"1"', '"abc"', '"99999999999999999999999999"', '"-1"', '"1", "2"', '"', "1e3")
    method = ("PATCH", "PUT", "DELETE")[turn % 3]
    return Probe(method, _path(route, values), body=b'{"name": "x"}',
                 headers={"If-Match": tags[turn % len(tags)]})


def bad_content_type(route, values, turn):
    variants = (
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\n"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nbroken"),
        ("application/json; charset=klingon", b'{"name": "x"}'),
        ("application/x-www-form-urlencoded; charset=utf-7", b"name=%FF%00"),
        ("text/plain", b"\x00\x01\x02"),
    )
    content_type, body = variants[turn % len(variants)]
    return Probe(_write(route, turn), _path(route, values), body=body,
                 content_type=content_type)


CORPUS = (
    nested_json, nul_in_path, nul_in_query, nul_in_header, nul_in_body, invalid_utf8,
    huge_numbers, huge_strings, wrong_types, extreme_dates, long_ids, bad_cursors,
    bad_accept_language, bad_idempotency_key, bad_if_match, bad_content_type,
)


# --- the sweep ---------------------------------------------------------------------------


def _client(world, identity: str, client_for) -> APIClient:
    user = world.users[identity]
    client = APIClient() if user is None else client_for(user)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False
    return client


@contextmanager
def _throwaway(world, identity: str):
    """A client signed in as `identity` with a session and a token of its own, for a route
    that may end them (signing out, a password change, a token's pages); the token is
    revoked afterwards, so the caller's own is never pushed out as the oldest."""
    from portal import tokens

    user = world.users[identity]
    client = APIClient(raise_request_exception=False)
    if user is None:
        yield client
        return
    token, secret = tokens.token_issue(user=user, actor=user, name="corpus")
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    client.force_login(user)
    try:
        yield client
    finally:
        tokens.token_revoke(token=token, actor=user)


def _send(client, probe: Probe):
    extra = {"HTTP_" + name.upper().replace("-", "_"): value
             for name, value in probe.headers.items()}
    path = probe.path + ("?" + probe.query if probe.query else "")
    return client.generic(probe.method, path, data=probe.body,
                          content_type=probe.content_type, **extra)


def _plan(identity: str) -> list[tuple[Route, Callable, int]]:
    """(route, input class, turn) triples for `identity`.

    Every pair of a route (or its format-suffix twin) and a class is sent at least once,
    and every route gets some of the classes. The API's pairs are all sent
    signed in (the administrator and the enterprise member in turn), where the input gets
    past authentication into the JSON parser, the serializers and the filters, and one in
    three signed out as well; the pages' and the admin's pairs go to the three identities
    in turn (their forms are Django's, and rendering an admin page costs the most); the
    doors get every pair as every identity.
    """
    mine = IDENTITIES.index(identity)
    plan = []
    for r, family in enumerate(families()):
        for c, make in enumerate(CORPUS):
            route, turn = family[c % len(family)], r + c
            if route.name in DOORS:
                chosen, turn = True, turn + mine
            elif not route.is_api:
                chosen = turn % len(IDENTITIES) == mine
            elif identity == ANONYMOUS:
                chosen = turn % 3 == 0
            else:
                chosen = SIGNED_IN[turn % len(SIGNED_IN)] == identity
            if chosen:
                plan.append((route, make, turn))
    return plan


def test_the_route_walk_finds_every_surface():
    found = {route.name for route in routes()}
    for name in ("home", "login", "filing-verify", "audit:timeline", "audit:export",
                 "filings:detail", "admin:index", "admin:enterprises_enterprise_export",
                 "api-token", "enterprise-detail", "filing-attachments", "api-schema",
                 "api-docs", "healthz"):
        assert name in found, name
    templates = {route.template for route in routes()}
    # The API speaks JSON only: no `.json` suffix twins (portal/api/urls.py).
    assert not any(".{format}" in template for template in templates)
    assert {"/api/v1/enterprises/{pk}/",
            "/audit/object/{object_type}/{object_id}/", "/v/{token}/", "/admin/{url}",
            "/api/v1/filings/{pk}/attachments/{attachment_id}/", "/api/v1/nowhere/",
            "/admin/{app_label}/"} <= templates


def test_every_route_gets_every_class_of_input():
    def key(route):
        return route.name, route.template.replace(".{format}", "")

    everything = {(key(route), make) for route in routes() for make in CORPUS}
    sent = {(key(route), make) for identity in IDENTITIES
            for route, make, _turn in _plan(identity)}
    assert sent == everything
    api = {(key(route), make) for route in routes() if route.is_api for make in CORPUS}
    signed_in = {(key(route), make) for identity in SIGNED_IN
                 for route, make, _turn in _plan(identity)}
    assert api <= signed_in
    reached = {route.pattern for identity in IDENTITIES for route, _m, _t in _plan(identity)}
    assert reached == {route.pattern for route in routes()}
    for identity in IDENTITIES:  # each identity meets every class
        assert {make for _route, make, _turn in _plan(identity)} == set(CORPUS)


def _still_signed_in(client, identity: str) -> bool:
    response = client.get("/api/v1/notifications/unread-count/")
    return response.status_code == (401 if identity == ANONYMOUS else 200)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_malformed_input_never_gets_a_server_error(identity, client_for):
    world = build_world()
    client = _client(world, identity, client_for)
    user = world.users[identity]
    values = {}
    failures, slow = [], []
    for route, make, turn in _plan(identity):
        started = time.monotonic()
        if SIGNS_OUT.search(route.name) and route.name not in DOORS:
            # Signing out ends the session and the token, and so may a password change or
            # a token's page: sent by a client of its own, at the newest row (its token).
            with _throwaway(world, identity) as sender:
                probe = make(route, _values(route, world, user, newest=True), turn)
                response = _send(sender, probe)
        else:
            if route.pattern not in values:
                values[route.pattern] = _values(route, world, user)
            probe = make(route, values[route.pattern], turn)
            response = _send(client, probe)
        elapsed = time.monotonic() - started
        where = f"{make.__name__} {probe.method} {probe.path[:120]}?{probe.query[:60]}"
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {where}")
        elif probe.refused and response.status_code != 400:
            failures.append(f"{response.status_code} (expected 400) {where}")
        if elapsed > SLOW_REQUEST_SECONDS:
            slow.append(f"{elapsed:.1f}s {where}")
    assert not failures, "\n".join(failures)
    assert not slow, "\n".join(slow)
    # Had the identity been signed out along the way, the sweep would have tested less.
    assert _still_signed_in(client, identity)


def test_refusals_name_the_fault_in_json_on_the_api(api):
    response = api.get("/api/v1/districts/?code=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.has_header("X-Request-ID") and response.has_header("Content-Security-Policy")
    with translation.override(settings.LANGUAGE_CODE):  # the headers may be what is broken
        assert gettext("the query string") in response.json()["detail"]
    response = api.get("/accounts/login/", HTTP_X_PROBE="a\x00b")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_clean_requests_pass_the_hygiene_check(api):
    """Chinese text in the path and the query, and tabs in headers, are not faults; nor is
    a GBK cookie another site set on a parent domain (it would lock the browser out)."""
    gbk_cookie = "city=" + "杭州".encode("gbk").decode("latin-1")
    response = api.get("/accounts/login/?next=/filings/%E5%A4%87%E6%A1%88/&q=a+b",
                       HTTP_USER_AGENT="Mozilla/5.0\t(X11)", HTTP_COOKIE=gbk_cookie)
    assert response.status_code == 200
    assert api.get("/accounts/login/", HTTP_COOKIE="sessionid=a\x00b").status_code == 400
