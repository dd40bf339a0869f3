"""Responses checked against the live OpenAPI schema (/api/schema/) with openapi-core.

`check_response(response)` (and the `schema_check` fixture, the same function) asserts that
an API response is what the schema documents for its operation:

- the status is one the operation lists (an address no path matches must be a 404, a
  method a path does not offer a 405);
- the body validates against that status's schema, strictly: an object may carry no
  property its schema does not declare, so the documentation cannot fall behind the code;
- every header the schema requires is there and valid, and every header the API itself
  sends (`ETag`, `Idempotent-Replayed`, ...) is declared for that status.

It takes a Django test-client response (`APIClient`, `Client`) or an httpx response (the
generated client's), and keeps count of what it checked (`tally`) for the issue's notes.
Responses outside /api/v1/ are not the API's: they are ignored.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import PathNotFound
from openapi_core.validation.response.exceptions import InvalidData
from werkzeug.datastructures import Headers, ImmutableMultiDict

API_PREFIX = "/api/v1/"
FORMAT_SUFFIX = re.compile(r"\.json/?$")
# An address no documented path matches: not found, or redirected to its trailing slash
# (APPEND_SLASH), or refused before routing as unreadable (NUL bytes: portal.middleware).
UNROUTED = (404, 301, 400)
# A method a documented path does not offer: 405, unless the request was refused before
# the method was looked at (unreadable 400; DRF checks credentials and permissions first).
NOT_OFFERED = (405, 400, 401, 403)
# Headers of the HTTP framing, caching, security policy and content negotiation, which
# every response may carry and which no operation documents. Anything else the API sends
# is part of its contract and must be declared.
FRAMING_HEADERS = frozenset({
    "allow", "cache-control", "connection", "content-language", "content-length",
    "content-security-policy", "content-security-policy-report-only", "content-type",
    "cross-origin-opener-policy", "cross-origin-resource-policy", "date", "expires",
    "last-modified", "permissions-policy", "referrer-policy", "server", "set-cookie",
    "strict-transport-security", "transfer-encoding", "vary", "x-content-type-options",
    "x-frame-options",
})


# --- the schema, strict for responses ------------------------------------------------------


def _strict(document: dict) -> dict:
    """`document` with `additionalProperties: false` on every object schema that lists its
    properties and says nothing about others (drf-spectacular's serializers)."""
    document = copy.deepcopy(document)

    def visit(node):
        if isinstance(node, dict):
            if (isinstance(node.get("properties"), dict) and "additionalProperties" not in node
                    and len(node.get("allOf", [])) < 2):
                node["additionalProperties"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(document.get("components", {}))
    visit(document.get("paths", {}))
    return document


@cache
def live_schema() -> dict:
    """The schema as /api/schema/ serves it (JSON, the default language)."""
    from django.test import Client

    # As a client would fetch it (also while collecting tests, before pytest-django allows
    # the test client's own host name).
    response = Client(HTTP_HOST="localhost").get(
        "/api/schema/", {"format": "json"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


# --- requests and responses as openapi-core reads them -----------------------------------


@dataclass
class _Request:
    host_url: str
    path: str
    method: str
    path_pattern: str
    parameters: RequestParameters
    content_type: str = "application/json"
    body: bytes | None = None


@dataclass
class _Response:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None


@dataclass
class Seen:
    """One response as the checker saw it."""

    method: str
    path: str
    status: int
    headers: Headers
    body: bytes | None
    streamed: bool = False


def _seen(response) -> Seen:
    """What a Django test-client or httpx response says, in one shape."""
    if hasattr(response, "wsgi_request"):  # Django's test client
        request = response.wsgi_request
        streamed = bool(getattr(response, "streaming", False))
        body = None if streamed else response.content
        headers = Headers(list(response.items()))
        return Seen(request.method, request.path, response.status_code, headers, body, streamed)
    request = response.request  # httpx
    return Seen(request.method, urlsplit(str(request.url)).path, response.status_code,
                Headers(list(response.headers.items())), response.content)


# --- the checker ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What was checked, for the closing note of issue 10."""

    responses: int = 0
    problems: int = 0
    operations: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)


class SchemaCheck:
    def __init__(self, document: dict):
        self.document = document
        self.openapi = OpenAPI.from_dict(_strict(document))
        self.routes = []
        for template, path_item in document.get("paths", {}).items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            methods = {method for method in path_item if method in
                       {"get", "put", "post", "delete", "patch", "head", "options"}}
            self.routes.append((re.compile(regex), template, methods))
        # Fixed segments first: `/journal/verify-status/` before `/journal/{seq}/`.
        self.routes.sort(key=lambda route: route[1].count("{"))
        self.tally = Tally()
        self._lock = threading.Lock()

    def operation(self, template: str, method: str) -> dict:
        return self.document["paths"][template][method]

    def find(self, path: str) -> tuple[str, set[str]] | None:
        for regex, template, methods in self.routes:
            if regex.match(path):
                return template, methods
        return None

    def problems(self, response) -> list[str]:
        """What is wrong with `response` as the schema tells (empty: nothing)."""
        found = self._problems(response)
        if found:
            with self._lock:
                self.tally.problems += len(found)
        return found

    def _problems(self, response) -> list[str]:
        seen = _seen(response)
        if not seen.path.startswith(API_PREFIX) or seen.path == API_PREFIX:
            # Not the API's, or its browsable index (DRF's root view, which lists the
            # resources and is no operation: drf-spectacular leaves it out).
            return []
        method = seen.method.lower()
        where = f"{seen.method} {seen.path} → {seen.status}"
        # DRF's routers answer `/districts.json/` as `/districts/`: the same operation.
        found = self.find(FORMAT_SUFFIX.sub("/", seen.path))
        if found is None:
            if seen.status in UNROUTED:
                return []
            return [f"{where}: no documented path matches (expected one of {UNROUTED})"]
        template, methods = found
        if method == "head":
            method = "get"
        if method == "options":
            return []
        if method not in methods:
            if seen.status in NOT_OFFERED:
                return []
            return [f"{where}: {template} documents no {method.upper()} "
                    f"(expected one of {NOT_OFFERED})"]
        self._count(template, method, seen.status)
        operation = self.operation(template, method)
        documented = operation.get("responses", {})
        if str(seen.status) not in documented and "default" not in documented:
            return [f"{where}: status not documented for {operation['operationId']} "
                    f"(documented: {', '.join(sorted(documented))})"]
        found_problems = self._validate(seen, template, method)
        found_problems += self._undeclared_headers(seen, documented.get(str(seen.status), {}))
        return [f"{where} ({operation['operationId']}): {problem}" for problem in found_problems]

    def _count(self, template: str, method: str, status: int) -> None:
        with self._lock:
            self.tally.responses += 1
            self.tally.operations[(method.upper(), template)] += 1
            self.tally.statuses[status] += 1

    def _validate(self, seen: Seen, template: str, method: str) -> list[str]:
        content_type = seen.headers.get("Content-Type", "")
        body = seen.body
        if seen.streamed:
            # A file download, already read by the caller: a binary body has no schema
            # beyond its media type, which is checked.
            body = b"\0"
        request = _Request(
            host_url="http://testserver", path=seen.path, method=method,
            path_pattern=template,
            parameters=RequestParameters(query=ImmutableMultiDict(), header=Headers(),
                                         cookie=ImmutableMultiDict(), path={}),
        )
        answer = _Response(seen.status, content_type.split(";")[0].strip().lower() or
                           "application/json", seen.headers, body)
        if seen.status == 204 and not body:
            answer.content_type = ""
        try:
            self.openapi.validate_response(request, answer)
        except InvalidData as invalid:
            return [_describe(invalid)]
        except PathNotFound:
            return ["openapi-core found no path for it"]
        except Exception as error:  # every other finding (a header, a media type) too
            return [f"{type(error).__name__}: {_describe(error)}"]
        return []

    def _undeclared_headers(self, seen: Seen, documented: dict) -> list[str]:
        declared = {name.lower() for name in documented.get("headers", {})}
        return [
            f"header {name} is sent but not declared for this status"
            for name in sorted({name for name, _value in seen.headers.items()})
            if name.lower() not in FRAMING_HEADERS and name.lower() not in declared
        ]

    def __call__(self, response):
        """Assert `response` is as documented; returns it, for chaining."""
        found = self.problems(response)
        if found:
            raise AssertionError("the response disagrees with /api/schema/:\n" +
                                 "\n".join(found))
        return response


def _describe(error: Exception) -> str:
    """openapi-core's finding with the schema errors under it, briefly."""
    lines = [str(error)]
    cause = error.__cause__ or error.__context__
    for schema_error in getattr(cause, "schema_errors", ()) or ():
        path = "/".join(str(part) for part in schema_error.absolute_path) or "(body)"
        lines.append(f"  at {path}: {schema_error.message[:300]}")
    return "\n".join(lines)


@cache
def checker() -> SchemaCheck:
    return SchemaCheck(live_schema())


def check_response(response):
    """Assert `response` is what /api/schema/ documents for its operation (see the module
    docstring); returns it."""
    return checker()(response)
