"""OpenAPI generation that clients can generate code from as it is (DESIGN §5, issue 10).

What the schema derives, so a resource added later is documented without code of its own:

- the read/write serializer split, and JSON as the one request media type (uploads name
  theirs);
- conditional requests: `If-Match` required on PUT, PATCH and DELETE (428 without it, 412
  when stale, 400 when malformed), optional on the transitions a view lists in
  `versioned_actions`; `ETag` on answers that carry one object;
- `Idempotency-Key` on every POST of a tracked view, `Idempotent-Replayed` on its answers;
- every status an operation may answer, with its body; `security: []` where anyone may call;
- a summary and a description per operation, tags by resource;
- the sync feed's `data` per `type`, from `portal.tracking.tracked_types()` (see
  `feed_page_schema`);
- enum components named after the choices they come from (`FilingStatusEnum`), query
  enums referring to them, and nullable references a strict OpenAPI 3.0 validator accepts.

A view can add to what is derived here: `extra_error_codes` (statuses every operation of it
may answer), `versioned_actions` (custom actions that honour an optional If-Match) and
`list_is_one_object` (a `list` that answers a single object). A custom action answers a
bare list, unpaginated and unfiltered, unless its `@action` names a pagination or filter
class.
"""

from __future__ import annotations

import re
from importlib import import_module

from django import forms
from django.db.models import Choices
from django.utils import translation
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiViewExtension
from drf_spectacular.generators import SchemaGenerator as BaseSchemaGenerator
from drf_spectacular.hooks import postprocess_schema_enums
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, list_hash
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import AllowAny, DjangoModelPermissions, IsAuthenticated

from .conditional import HEADER as IF_MATCH
from .conditional import PATTERN as IF_MATCH_PATTERN
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER, IdempotentPostMixin

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
WITH_BODY = {"POST", "PUT", "PATCH"}
# Reads and the router's standard writes; other actions are custom (`submit`, ...).
STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
# Writes that must name the version they change.
VERSIONED_WRITES = {"update", "partial_update", "destroy"}
# DRF's default lookup regex: any segment; the path parameter keeps its model field's type.
DEFAULT_LOOKUP = "[^/.]+"
JSON = "application/json"
OCTET_STREAM = "application/octet-stream"
SCHEMAS = "#/components/schemas/"
SUMMARY_LENGTH = 80

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error that concerns no single field.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": 'Invalid input, in the request\'s language: `{"field": ["message", ...]}` '
    "for each field (an object for a nested field, `non_field_errors` for the whole "
    'request), or `{"detail": "message"}` when the request could not be read at all.',
    "additionalProperties": {},
}
ERRORS = {
    400: ("FieldErrors", FIELD_ERRORS_SCHEMA, "Invalid input, or a request that could not be "
          "read (NUL bytes, broken UTF-8, a malformed header)."),
    401: ("Error", ERROR_SCHEMA, "No valid credentials (`Authorization: Token …`)."),
    403: ("Error", ERROR_SCHEMA, "Signed in, but this role may not do this."),
    404: ("Error", ERROR_SCHEMA, "No such object in the caller's scope."),
    409: ("Error", ERROR_SCHEMA, "Conflict: a request with this Idempotency-Key is still "
          "running, or other records still refer to the object."),
    412: ("Error", ERROR_SCHEMA, "If-Match names a version that is not the current one (or "
          "`*`, or a weak tag, which name none); the ETag header gives the current one."),
    415: ("Error", ERROR_SCHEMA, "The body's media type is not one this operation reads."),
    422: ("Error", ERROR_SCHEMA, "This Idempotency-Key was already used for another request."),
    428: ("Error", ERROR_SCHEMA, "If-Match is required: send the ETag of the version you read."),
    429: ("Error", ERROR_SCHEMA, "Too many attempts; retry later."),
}
ETAG_HEADER = {
    "description": 'The object\'s version, quoted (`"3"`): send it back in If-Match.',
    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
}
REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "Idempotency-Key (nothing was done again).",
    "schema": {"type": "string", "enum": ["true"]},
}
RESPONSE_HEADERS_BY_CODE = {
    "401": {"WWW-Authenticate": {"description": "The scheme to authenticate with (`Token`).",
                                 "schema": {"type": "string"}}},
    "429": {"Retry-After": {"description": "Seconds to wait before trying again.",
                            "schema": {"type": "string"}}},
}
REQUEST_ID = {
    "description": "This request's id, as the journal records it (`request_id`): quote it "
    "when reporting a problem. A request may choose it by sending `X-Request-ID` (1 to 64 "
    "letters, digits, `.`, `_` or `-`).",
    "schema": {"type": "string"},
}
CONTENT_DISPOSITION = {
    "description": "`attachment` or `inline`, with the file's name.",
    "schema": {"type": "string"},
}
# A null for a nullable reference, which OpenAPI 3.0 cannot say beside a `$ref`.
NULL_SCHEMA = {"type": "object", "nullable": True, "enum": [None]}


def _lookup_regexes(path_regex: str) -> list[str]:
    """The regex of each URL argument of a route, in order."""
    return [match.group(2) for match in re.finditer(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))+)\)",
                                                    path_regex)]


def _first_sentence(text: str) -> str:
    """The first sentence of a docstring's first paragraph, on one line, short enough for
    a summary: cut at a colon or semicolon, else at a comma, when it is long."""
    paragraph = " ".join(text.strip().split("\n\n")[0].split())
    match = re.match(r"(.+?[.!?])(?:\s|$)", paragraph)
    sentence = (match.group(1) if match else paragraph).rstrip(".")
    for stop in (":", ";", ","):
        if len(sentence) <= SUMMARY_LENGTH:
            break
        head = sentence[:SUMMARY_LENGTH]
        if stop in head:
            sentence = head[: head.rindex(stop)]
    if len(sentence) > SUMMARY_LENGTH:
        sentence = sentence[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def _own_doc(obj) -> str:
    """`obj`'s own docstring: not one it inherits (DRF's, or a mixin's)."""
    if obj is None:
        return ""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", "")
    module = getattr(obj, "__module__", "") or ""
    if not doc or module.startswith("rest_framework"):
        return ""
    lines = doc.expandtabs().split("\n")
    indent = min((len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()),
                 default=0)
    return "\n".join([lines[0].strip(), *(line[indent:] for line in lines[1:])]).strip()


def _article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


class AutoSchema(BaseAutoSchema):
    def _write_action(self) -> bool:
        return getattr(self.view, "action", None) in {"create", "update", "partial_update"}

    def _action(self) -> str | None:
        return getattr(self.view, "action", None)

    def _custom_action_kwargs(self) -> dict | None:
        """The `@action` arguments of a custom action; None for the standard ones."""
        action = self._action()
        if action is None or action in STANDARD_ACTIONS:
            return None
        return getattr(getattr(type(self.view), action, None), "kwargs", {}) or {}

    def get_request_serializer(self):
        write = getattr(self.view, "write_serializer_class", None)
        if write is not None and self._write_action():
            return write()
        return super().get_request_serializer()

    def get_response_serializers(self):
        read = getattr(self.view, "read_serializer_class", None)
        if read is not None and self._write_action():
            return read()
        return super().get_response_serializers()

    def _is_list_view(self, serializer=None) -> bool:
        # A `list` that answers one object (the current negative list) says so.
        if getattr(self.view, "list_is_one_object", False):
            return False
        return super()._is_list_view(serializer)

    def map_parsers(self):
        # One JSON body per operation: clients generated from a choice of three media
        # types with one schema sent multipart labelled JSON. Uploads declare theirs.
        media_types = super().map_parsers()
        return [JSON] if JSON in media_types else media_types

    def _get_paginator(self):
        # A custom action (`attachments`) answers a bare list unless it paginates itself.
        kwargs = self._custom_action_kwargs()
        if kwargs is not None and "pagination_class" not in kwargs:
            return None
        return super()._get_paginator()

    def _get_filter_parameters(self):
        # A number filter whose form field takes whole numbers (ids) is an integer, not
        # drf-spectacular's `number` (clients sent ids as floats).
        parameters = super()._get_filter_parameters()
        filters = getattr(getattr(self.view, "filterset_class", None), "base_filters", {})
        for param in parameters:
            filter_ = filters.get(param["name"])
            field_class = getattr(filter_, "field_class", None)
            schema = param.get("schema", {})
            if (isinstance(field_class, type) and issubclass(field_class, forms.IntegerField)
                    and schema.get("type") == "number"):
                schema["type"] = "integer"
        return parameters

    def get_filter_backends(self):
        kwargs = self._custom_action_kwargs()
        if kwargs is not None and not {"filterset_class", "filter_backends"} & set(kwargs):
            return []
        return super().get_filter_backends()

    # --- words: summary, description, tags ------------------------------------------------
    def _handler(self):
        return getattr(self.view, self._action() or self.method.lower(), None)

    def _names(self) -> tuple[str, str] | None:
        queryset = getattr(self.view, "queryset", None)
        if queryset is None:
            return None
        meta = queryset.model._meta
        with translation.override("en"):
            return str(meta.verbose_name), str(meta.verbose_name_plural)

    def get_summary(self):
        own = _own_doc(self._handler())
        action, names = self._action(), self._names()
        handler = getattr(type(self.view), action or "", None)
        custom = self._custom_action_kwargs() is not None
        if custom and names is not None and len(getattr(handler, "mapping", {})) > 1:
            # One docstring for the GET and the POST of a nested list (`comments`).
            words = action.replace("_", " ")
            if self.method == "GET":
                return f"List the {words} of {_article(names[0])}"
            return f"Add to the {words} of {_article(names[0])}"
        if own:
            return _first_sentence(own)
        if names is not None and action in STANDARD_ACTIONS:
            name, plural = names
            if action == "list" and getattr(self.view, "list_is_one_object", False):
                return f"Get the current {name}"
            return {
                "list": f"List {plural}",
                "retrieve": f"Get one {name}",
                "create": f"Create {_article(name)}",
                "update": f"Replace {_article(name)}",
                "partial_update": f"Change fields of {_article(name)}",
                "destroy": f"Delete {_article(name)}",
            }[action]
        if names is not None and action:
            words = action.replace("_", " ").capitalize()
            if getattr(handler, "detail", False):
                return f"{words} {_article(names[0])}"
            return f"{words} ({names[1]})"
        doc = _own_doc(type(self.view))
        if doc:
            return _first_sentence(doc)
        return f"{self.method} {self.path}"

    def get_description(self):
        own = _own_doc(self._handler())
        if own:
            return own
        parts = []
        action, names = self._action(), self._names()
        if names is not None and action in STANDARD_ACTIONS:
            parts.append(self._standard_description(action, *names))
        view_doc = _own_doc(type(self.view))
        if view_doc:
            parts.append(view_doc)
        return "\n\n".join(parts) or self.get_summary() + "."

    def _standard_description(self, action: str, name: str, plural: str) -> str:
        if action == "list":
            if getattr(self.view, "list_is_one_object", False):
                return f"The current {name}."
            paged = " in pages: follow `next` (a cursor) until it is null." \
                if getattr(self.view, "pagination_class", None) else "."
            return f"The {plural} the caller may see{paged}"
        versioned = getattr(self.view, "read_serializer_class", None) is not None
        return {
            "retrieve": f"One {name} in the caller's scope (404 outside it)."
                        + (" `ETag` is its version." if versioned else ""),
            "create": f"Create {_article(name)}; send an `Idempotency-Key` to retry safely.",
            "update": f"Replace the fields of {_article(name)}; `If-Match` names the version "
                      "you read.",
            "partial_update": f"Change the fields you send of {_article(name)}; `If-Match` "
                              "names the version you read.",
            "destroy": f"Delete {_article(name)}"
                       + ("; `If-Match` names the version you read." if versioned else "."),
        }[action]

    def get_extensions(self):
        extensions = dict(super().get_extensions())
        doc = _own_doc(type(self.view))
        if doc:
            # Read by `postprocess_schema` for the tag's description, then removed.
            extensions["x-tag-description"] = _first_sentence(doc)
        return extensions

    # --- headers the API reads ------------------------------------------------------------
    def get_override_parameters(self):
        params = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentPostMixin):
            params.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                     "pattern": "^[\\x21-\\x7e]+$"},
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Up to 255 visible ASCII characters. A retry with the same key "
                    "replays the first answer (Idempotent-Replayed: true); 422 with a different "
                    "body; 409 while the first is still running. Kept at least 24 hours.",
                )
            )
        if getattr(self.view, "read_serializer_class", None) is None:
            return params
        action = self._action()
        if action in VERSIONED_WRITES:
            params.append(
                OpenApiParameter(
                    IF_MATCH, {"type": "string", "pattern": IF_MATCH_PATTERN},
                    OpenApiParameter.HEADER, required=True,
                    description='The ETag of the version you last read (`"3"`): 428 without '
                    "it, 412 when it is no longer current (or `*`, which names no version), "
                    "400 when it is not an ETag.",
                )
            )
        elif action in getattr(self.view, "versioned_actions", ()):
            params.append(
                OpenApiParameter(
                    IF_MATCH, {"type": "string", "pattern": IF_MATCH_PATTERN},
                    OpenApiParameter.HEADER, required=False,
                    description='Optional: the ETag of the version you last read (`"3"`); 412 '
                    "when it is no longer current.",
                )
            )
        return params

    # --- what every operation may answer besides success ----------------------------------
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._match_path_parameters(operation, path_regex)
        if self._open_to_everyone():
            operation["security"] = []
        responses = operation["responses"]
        for code in sorted(self._error_codes(operation)):
            if str(code) not in responses:
                responses[str(code)] = self._error_response(code)
        if self._answers_with_etag():
            for code, response in responses.items():
                if code.startswith("2") and code != "204":
                    response.setdefault("headers", {})["ETag"] = {**ETAG_HEADER, "required": True}
        if "412" in responses:
            responses["412"].setdefault("headers", {})["ETag"] = ETAG_HEADER
        idempotent = any(param["name"] == IDEMPOTENCY_HEADER
                         for param in operation.get("parameters", []))
        for code, response in responses.items():
            headers = response.setdefault("headers", {})
            headers["X-Request-ID"] = REQUEST_ID  # portal.middleware.RequestContextMiddleware
            headers.update(RESPONSE_HEADERS_BY_CODE.get(code, {}))
            if idempotent and code not in {"409", "422"}:
                headers[REPLAYED_HEADER] = REPLAYED
            content = response.get("content", {})
            if content and JSON not in content:
                # A file: its own media types, after `application/octet-stream`, which
                # generated clients read as bytes (they skip an answer of image/png).
                headers["Content-Disposition"] = CONTENT_DISPOSITION
                response["content"] = {
                    OCTET_STREAM: {"schema": {"type": "string", "format": "binary"}},
                    **content,
                }
            if not response.get("description"):
                response["description"] = {"200": "OK", "201": "Created"}.get(code, "")
        feed = getattr(self, "_feed_types", None)
        if feed:
            operation["description"] = operation.get("description", "") + feed_description(feed)
            operation["x-feed-types"] = {row[0]: row[1] for row in feed}
        return operation

    def _permission_classes(self):
        return list(getattr(self.view, "permission_classes", []))

    def _open_to_everyone(self) -> bool:
        return all(issubclass(cls, AllowAny) for cls in self._permission_classes())

    def _error_codes(self, operation) -> set[int]:
        params = operation.get("parameters", [])
        headers = {param["name"] for param in params if param["in"] == "header"}
        has_path = any(param["in"] == "path" for param in params)
        permissions = self._permission_classes()
        # Any request can be unreadable (NUL bytes, broken UTF-8: portal.middleware).
        codes = {400, *getattr(self.view, "extra_error_codes", ())}
        if not self._open_to_everyone():
            codes.add(401)
            model_permissions = any(
                issubclass(cls, DjangoModelPermissions)
                or not issubclass(cls, (IsAuthenticated, AllowAny))
                for cls in permissions
            )
            # Model permissions refuse by role; session sign-ins also need a CSRF token.
            if model_permissions or self.method in UNSAFE:
                codes.add(403)
        if self.method in WITH_BODY:
            codes.add(415)
        paginated = self._is_list_view() and self._get_paginator() is not None
        if has_path or paginated:  # a stale or forged cursor is 404 as well
            codes.add(404)
        if IDEMPOTENCY_HEADER in headers:
            codes |= {409, 422}
        if self.method == "DELETE":
            codes.add(409)
        if IF_MATCH in headers:
            codes.add(412)
            if any(p["name"] == IF_MATCH and p.get("required") for p in params):
                codes.add(428)
        return codes

    def _error_response(self, code: int) -> dict:
        name, schema, description = ERRORS[code]
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return {
            "description": description,
            "content": {JSON: {"schema": component.ref}},
        }

    def _answers_with_etag(self) -> bool:
        """Views that answer one tracked object through `_read` send its ETag."""
        if not hasattr(self.view, "_read"):
            return False
        action = self._action()
        if action in {"retrieve", "create", "update", "partial_update"}:
            return True
        if action == "list":
            return getattr(self.view, "pagination_class", None) is None
        handler = getattr(self.view, action or "", None)
        return (self.method == "POST" and action not in STANDARD_ACTIONS
                and bool(getattr(handler, "detail", False)))

    def _match_path_parameters(self, operation, path_regex: str) -> None:
        """Give each path parameter the URL's own regex, so generated values route."""
        names = re.findall(r"\{([\w-]+)\}", self.path)
        by_name = dict(zip(names, _lookup_regexes(path_regex), strict=False))
        for param in operation.get("parameters", []):
            regex = by_name.get(param["name"]) if param["in"] == "path" else None
            if regex is None or regex == DEFAULT_LOOKUP:
                continue
            if regex == "[0-9]+":
                param["schema"] = {"type": "integer", "minimum": 0,
                                   "maximum": 9223372036854775807}
            else:
                param["schema"] = {"type": "string", "pattern": f"^(?:{regex})$"}


class SchemaGenerator(BaseSchemaGenerator):
    """drf-spectacular's generator; naming it in the settings loads this module, and with it
    the extensions below, before the first view is inspected."""


# --- the sync feed: `data` by `type` ---------------------------------------------------------


class FeedPage(serializers.Serializer):
    """The sync feed's page; its schema is built by `FeedPageExtension`."""


def representation_serializers() -> dict:
    """Read serializer of each representation function: `represent` → serializer class.

    Every read serializer of a tracked model is a `RepresentationSerializer` whose
    `represent` is the function the journal stores, so the feed's `data` for a type has the
    schema of the serializer sharing the type's representation. Where two share one, the
    most general (a base of the other) documents it."""
    from .serializers import RepresentationSerializer

    found: dict = {}
    pending = list(RepresentationSerializer.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        represent = cls.__dict__.get("represent")
        function = getattr(represent, "__func__", represent)
        if function is None:
            continue
        current = found.get(function)
        if current is None or issubclass(current, cls) or (
            not issubclass(cls, current) and cls.__qualname__ < current.__qualname__
        ):
            found[function] = cls
    return found


def _import_app_serializers(specs) -> None:
    """Each tracked model's app's `api.serializers`, where it has one: a type without a
    route (jurisdictions) is documented by a serializer that no view imports."""
    for spec in specs:
        name = f"{spec.model._meta.app_config.name}.api.serializers"
        try:
            import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name not in {name, name.rsplit(".", 1)[0]}:
                raise


def _component_name(object_type: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", object_type))


def feed_page_schema(auto_schema) -> dict:
    """The feed page: `results` is a list of changes, one schema per tracked type chosen by
    `type` (a discriminator), each with its type's API representation as `data`."""
    from portal import tracking

    specs = dict(sorted(tracking.tracked_types().items()))
    _import_app_serializers(specs.values())
    by_represent = representation_serializers()
    registry = auto_schema.registry

    def register(name: str, schema: dict) -> str:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name,
                                      schema=schema)
        registry.register_on_missing(component)
        return component.ref["$ref"]

    op_ref = register("ChangeOpEnum", {
        "type": "string", "enum": ["upsert", "delete"],
        "description": "* `upsert` - replace your copy with `data`\n"
                       "* `delete` - remove your copy",
    })
    exit_types = {spec.scope.exit_type for spec in specs.values() if spec.scope.exit_type}
    exit_ref = register("ChangeExitData", {
        "type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"],
        "description": "The id alone: the object left the caller's scope (a `delete`).",
    })
    rows, variants, mapping = [], [], {}
    for object_type, spec in specs.items():
        serializer = by_represent.get(spec.represent)
        if serializer is None:
            data = {"type": "object", "additionalProperties": {},
                    "description": "No read serializer documents this type yet.",
                    "x-undocumented": True}
            data_ref, base = None, _component_name(object_type)
        else:
            component = auto_schema.resolve_serializer(serializer, "response")
            data_ref, base = component.ref["$ref"], component.name
            data = {"$ref": data_ref}
        if object_type in exit_types:
            data = {"anyOf": [data, {"$ref": exit_ref}],
                    "description": "The object; on a `delete` that takes it out of the "
                    "caller's scope, its id alone."}
        ref = register(f"{base}Change", {
            "type": "object",
            "description": f"A change of `{object_type}`: `data` is its API representation "
                           "(personal data masked).",
            "properties": {
                "seq": {"type": "integer"},
                "at": {"type": "string", "format": "date-time"},
                "action": {"type": "string"},
                "op": {"$ref": op_ref},
                "type": {"type": "string", "enum": [object_type]},
                "id": {"type": "string"},
                "data": data,
            },
            "required": ["seq", "at", "action", "op", "type", "id", "data"],
        })
        variants.append({"$ref": ref})
        mapping[object_type] = ref
        rows.append((object_type, data_ref, object_type in exit_types))
    change_ref = register("Change", {
        "oneOf": variants,
        "discriminator": {"propertyName": "type", "mapping": mapping},
        "description": "One journal entry: `type` says which schema `data` has.",
    })
    auto_schema._feed_types = rows
    return {
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": {"$ref": change_ref}},
            "next_after": {"type": "integer",
                           "description": "The `after` of the next request."},
            "has_more": {"type": "boolean",
                         "description": "Whether to ask again now (false: you are up to date)."},
        },
        "required": ["results", "next_after", "has_more"],
    }


def feed_description(rows) -> str:
    lines = [
        "",
        "",
        "Types (`type` → the schema of `data`; the `Change` schema maps them):",
        "",
        "| type | data |",
        "|---|---|",
    ]
    for object_type, ref, exits in rows:
        name = ref.rsplit("/", 1)[-1] if ref else "(undocumented)"
        note = " (or `{\"id\"}` alone when it leaves your scope)" if exits else ""
        lines.append(f"| `{object_type}` | `{name}`{note} |")
    lines += [
        "",
        "A `delete` carries the object as it was. A type you do not know comes from a newer "
        "server: skip it, and regenerate your client.",
    ]
    return "\n".join(lines)


class FeedPageExtension(OpenApiSerializerExtension):
    target_class = FeedPage

    def get_name(self, auto_schema, direction):
        return "ChangesPage"

    def map_serializer(self, auto_schema, direction):
        return feed_page_schema(auto_schema)


class ChangesViewExtension(OpenApiViewExtension):
    """The feed's answer as `FeedPage`, whatever the view itself declares."""

    target_class = "portal.api.changes.ChangesView"

    def view_replacement(self):
        answer = extend_schema(
            summary="Pull the changes after a sequence number (the sync feed)",
            responses=FeedPage,
        )
        return extend_schema_view(get=answer)(
            type("ChangesView", (self.target_class,), {"__doc__": self.target_class.__doc__,
                                                        "__module__": __name__})
        )


# --- hooks: enums by origin, query enums by reference, nullable references ----------------


def _choices_classes() -> list[type[Choices]]:
    """Every `TextChoices`/`IntegerChoices` declared inside a model (`Filing.Status`)."""
    found, pending = [], list(Choices.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "." in cls.__qualname__ and "<locals>" not in cls.__qualname__:
            found.append(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def enum_names() -> dict[str, type[Choices]]:
    """ENUM_NAME_OVERRIDES derived from where each choice set is declared: `Filing.Status`
    is `FilingStatusEnum`, whatever other enums the schema holds (a name drf-spectacular
    derives from the field changes when another model adds a `status`)."""
    names: dict[str, type[Choices]] = {}
    taken: set[str] = set()
    for cls in _choices_classes():
        if cls.__module__.split(".")[0] in {"django", "rest_framework", "drf_spectacular"}:
            continue
        digest = list_hash([(value, label) for value, label in cls.choices
                            if value not in ("", None)])
        if digest in taken:
            continue  # the same choices declared twice: the first name serves both
        taken.add(digest)
        names[cls.__qualname__.replace(".", "") + "Enum"] = cls
    return names


def _postprocess_enums(result, generator, **kwargs):
    """drf-spectacular's enum components, named by `enum_names()` unless ENUM_NAME_OVERRIDES
    names them otherwise."""
    from drf_spectacular import plumbing

    names = enum_names()
    configured = spectacular_settings.ENUM_NAME_OVERRIDES
    if not names.keys() <= configured.keys():
        # Once per process (and after a settings reload): the overrides are read once per
        # language and cached, so the cache is cleared with them.
        spectacular_settings.ENUM_NAME_OVERRIDES = {**names, **configured}
        plumbing._load_enum_name_overrides.cache_clear()
    return postprocess_schema_enums(result, generator, **kwargs)


def _walk(node, visit):
    if isinstance(node, dict):
        visit(node)
        for value in list(node.values()):
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _nullable_references(result) -> None:
    """`nullable: true` beside `allOf: [$ref]` or a `oneOf` has no type, so strict OpenAPI
    3.0 validators refuse null for it: say `oneOf: [..., null]` instead, where null is a
    typed, nullable schema of the one value null (also drf-spectacular's `NullEnum`)."""
    schemas = result.get("components", {}).get("schemas", {})
    if "NullEnum" in schemas:
        schemas["NullEnum"] = dict(NULL_SCHEMA)
    null_ref = SCHEMAS + "NullEnum"

    def visit(node):
        if node.get("nullable") is not True or "type" in node:
            return
        members = node.get("allOf")
        if isinstance(members, list) and len(members) == 1:
            node.pop("allOf")
            node["oneOf"] = list(members)
        choices = node.get("oneOf", node.get("anyOf"))
        if not isinstance(choices, list):
            return
        node.pop("nullable")
        if not any(member == NULL_SCHEMA or member.get("$ref") == null_ref
                   for member in choices):
            choices.append(dict(NULL_SCHEMA))

    _walk(result.get("components", {}), visit)
    _walk(result.get("paths", {}), visit)


def _enum_parameters(result) -> None:
    """A query parameter's enum refers to the enum component with the same values (a
    generated client then has one type, not one per parameter named by its translated
    title); one without such a component gets its own, named after the parameter."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {}
    for name, schema in sorted(schemas.items()):
        if "enum" in schema and schema.get("type") in {"string", "integer"}:
            by_values.setdefault(frozenset(v for v in schema["enum"] if v is not None), name)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else ():
                holder = param.get("schema", {})
                holder.pop("title", None)
                if holder.get("type") == "array":
                    holder = holder.get("items", {})
                    holder.pop("title", None)
                if "enum" not in holder:
                    continue
                values = frozenset(v for v in holder["enum"] if v is not None)
                name = by_values.get(values)
                if name is None:
                    name = "".join(part.capitalize() for part in param["name"].split("_"))
                    name = f"{name}Enum"
                    while name in schemas:
                        name = "Query" + name
                    schemas[name] = {"type": holder.get("type", "string"),
                                     "enum": sorted(values)}
                    by_values[values] = name
                holder.clear()
                holder["$ref"] = SCHEMAS + name


def _rename_component(result, old: str, new: str) -> None:
    schemas = result["components"]["schemas"]
    schemas[new] = schemas.pop(old)

    def visit(node):
        if node.get("$ref") == SCHEMAS + old:
            node["$ref"] = SCHEMAS + new
        mapping = node.get("mapping")
        if isinstance(mapping, dict):
            for key, value in mapping.items():
                if value == SCHEMAS + old:
                    mapping[key] = SCHEMAS + new

    _walk(result, visit)


def _tidy_names(result) -> None:
    """`TokenRequestRequest` (an inline `TokenRequest` split for requests) → `TokenRequest`."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in sorted(schemas):
        if name.endswith("RequestRequest") and name[: -len("Request")] not in schemas:
            _rename_component(result, name, name[: -len("Request")])


def _tags(result) -> None:
    """One tag per resource (the first path segment), described by its view's docstring."""
    descriptions: dict[str, str] = {}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            description = operation.pop("x-tag-description", None)
            for tag in operation.get("tags", []):
                if description and tag not in descriptions:
                    descriptions[tag] = description
                descriptions.setdefault(tag, "")
    result["tags"] = [
        {"name": tag, **({"description": text} if text else {})}
        for tag, text in sorted(descriptions.items())
    ]


def postprocess_schema(result, generator, request, public):
    """Every hook of ours, in order (see the module docstring)."""
    result = _postprocess_enums(result, generator, request=request, public=public)
    _enum_parameters(result)
    _nullable_references(result)
    _tidy_names(result)
    _tags(result)
    return result
