"""OpenAPI generation that knows our read/write serializer split, conditional requests and
the error answers every operation can give (DESIGN §5), so clients and schemathesis can
rely on the schema: each status an operation may answer is listed with its body.

A view can add to what is derived here: `extra_error_codes` (statuses every operation of it
may answer), `versioned_actions` (custom actions that honour an optional If-Match) and
`list_is_one_object` (a `list` that answers a single object)."""

import re

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny, DjangoModelPermissions, IsAuthenticated

from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import MAX_KEY_LENGTH, IdempotentPostMixin

IF_MATCH = "If-Match"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Reads and the router's standard writes; other actions are custom (`submit`, ...).
STANDARD_ACTIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
# DRF's default lookup regex: any segment; the path parameter keeps its model field's type.
DEFAULT_LOOKUP = "[^/.]+"

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
    400: ("FieldErrors", FIELD_ERRORS_SCHEMA, "Invalid input."),
    401: ("Error", ERROR_SCHEMA, "No valid credentials (`Authorization: Token …`)."),
    403: ("Error", ERROR_SCHEMA, "Signed in, but this role may not do this."),
    404: ("Error", ERROR_SCHEMA, "No such object in the caller's scope."),
    409: ("Error", ERROR_SCHEMA, "Conflict: a request with this Idempotency-Key is still "
          "running, or other records still refer to the object."),
    412: ("Error", ERROR_SCHEMA, "If-Match names a version that is no longer current; the "
          "ETag header gives the current one."),
    422: ("Error", ERROR_SCHEMA, "This Idempotency-Key was already used for another request."),
    428: ("Error", ERROR_SCHEMA, "If-Match is required."),
    429: ("Error", ERROR_SCHEMA, "Too many attempts; retry later."),
}
ETAG_HEADER = {
    "description": 'The object\'s version, quoted (`"3"`): send it back in If-Match.',
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}


def _lookup_regexes(path_regex: str) -> list[str]:
    """The regex of each URL argument of a route, in order."""
    return [match.group(2) for match in re.finditer(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))+)\)",
                                                    path_regex)]


class AutoSchema(BaseAutoSchema):
    def _write_action(self) -> bool:
        return getattr(self.view, "action", None) in {"create", "update", "partial_update"}

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
        if getattr(self.view, "action", None) in {"update", "partial_update"}:
            params.append(
                OpenApiParameter(
                    IF_MATCH,
                    str,
                    OpenApiParameter.HEADER,
                    required=True,
                    description="The ETag (version) you last read; 428 without it, 412 when stale.",
                )
            )
        if getattr(self.view, "action", None) in getattr(self.view, "versioned_actions", ()):
            params.append(
                OpenApiParameter(
                    IF_MATCH,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Optional ETag (version) you last read; 412 when stale.",
                )
            )
        if getattr(self.view, "action", None) == "destroy":
            params.append(
                OpenApiParameter(
                    IF_MATCH,
                    str,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="Optional ETag; 412 when stale.",
                )
            )
        return params

    # --- what every operation may answer besides success ----------------------------------
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        self._match_path_parameters(operation, path_regex)
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
        return operation

    def _permission_classes(self):
        return list(getattr(self.view, "permission_classes", []))

    def _error_codes(self, operation) -> set[int]:
        params = operation.get("parameters", [])
        headers = {param["name"] for param in params if param["in"] == "header"}
        has_query = any(param["in"] == "query" for param in params)
        has_path = any(param["in"] == "path" for param in params)
        permissions = self._permission_classes()
        codes = set(getattr(self.view, "extra_error_codes", ()))
        if not all(issubclass(cls, AllowAny) for cls in permissions):
            codes.add(401)
            model_permissions = any(
                issubclass(cls, DjangoModelPermissions)
                or not issubclass(cls, (IsAuthenticated, AllowAny))
                for cls in permissions
            )
            # Model permissions refuse by role; session sign-ins also need a CSRF token.
            if model_permissions or self.method in UNSAFE:
                codes.add(403)
        if "requestBody" in operation or has_query or IDEMPOTENCY_HEADER in headers:
            codes.add(400)
        paginated = self._is_list_view() and getattr(self.view, "pagination_class", None)
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
            "content": {"application/json": {"schema": component.ref}},
        }

    def _answers_with_etag(self) -> bool:
        """Views that answer one tracked object through `_read` send its ETag."""
        if not hasattr(self.view, "_read"):
            return False
        action = getattr(self.view, "action", None)
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
