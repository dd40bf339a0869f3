"""The schema document itself: valid OpenAPI 3.0, and what a generated client met in issue 10.

Each check walks every operation or component, so an endpoint added later is held to the
same rules without editing this file.
"""

import json
import re

import pytest
from django.test import Client
from openapi_spec_validator import validate

from portal import tracking

from .validation import live_schema

OPERATIONS = ("get", "put", "post", "delete", "patch")
ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _operations(schema=None):
    for template, path_item in (schema or live_schema())["paths"].items():
        for method, operation in path_item.items():
            if method in OPERATIONS:
                yield method, template, operation


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def test_the_schema_is_valid_openapi_3_0():
    schema = live_schema()
    assert schema["openapi"].startswith("3.0")
    validate(schema)


def test_title_description_summaries_and_tags():
    schema = live_schema()
    assert schema["info"]["title"] == "复工复产服务门户 API"
    assert schema["info"]["description"].strip()
    tags = {tag["name"] for tag in schema["tags"]}
    problems = []
    for method, template, operation in _operations():
        where = f"{method.upper()} {template}"
        if not operation.get("summary", "").strip():
            problems.append(f"{where}: no summary")
        if len(operation.get("summary", "")) > 80:
            problems.append(f"{where}: a summary of {len(operation['summary'])} characters")
        if not operation.get("description", "").strip():
            problems.append(f"{where}: no description")
        resource = template.removeprefix("/api/v1/").split("/")[0]
        if operation.get("tags") != [resource] or resource not in tags:
            problems.append(f"{where}: tags {operation.get('tags')}, not [{resource!r}]")
    assert not problems, "\n".join(problems)


def test_component_names_are_ascii_and_the_same_in_every_language():
    """Regression (issue 10): query enums became models named by their Chinese titles."""
    names = {}
    for language in ("zh-hans", "en"):
        response = Client(HTTP_HOST="localhost").get(
            "/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language
        )
        schema = json.loads(response.content)
        names[language] = (set(schema["components"]["schemas"]),
                           {op["operationId"] for _m, _t, op in _operations(schema)})
    assert names["zh-hans"] == names["en"]
    components, _ids = names["en"]
    assert not [name for name in components if not ASCII_NAME.match(name)]


def test_every_enum_is_a_component_and_every_query_enum_refers_to_one():
    schema = live_schema()
    inline = []
    for method, template, operation in _operations():
        for param in operation.get("parameters", []):
            holder = param["schema"].get("items", param["schema"])
            if "enum" in holder or "title" in param["schema"] or "title" in holder:
                inline.append(f"{method.upper()} {template} ?{param['name']}")
    assert not inline, f"parameters with an inline enum or a title: {inline}"
    components = schema["components"]["schemas"]
    for path, node in _walk(components):
        if "enum" in node and node.get("enum") != [None] and len(path) > 1:
            assert path[-1] != "properties", path
    enums = [name for name, component in components.items() if "enum" in component]
    assert all(name.endswith("Enum") for name in enums), enums
    # Named after where the choices are declared, whatever other enums exist.
    assert {"FilingStatusEnum", "DistrictLevelEnum", "DistrictRiskLevelEnum",
            "AssignmentKindEnum", "JournalEntryOpEnum"} <= set(enums)


def test_no_nullable_without_a_type():
    """Regression (issue 10): `allOf: [$ref], nullable: true` (journal verify-status), which
    strict OpenAPI 3.0 validators refuse null for."""
    wrong = [
        "/".join(map(str, path)) for path, node in _walk(live_schema())
        if node.get("nullable") is True and "type" not in node
    ]
    assert not wrong, wrong


def test_sign_in_takes_one_json_body_and_no_credentials():
    """Regression (issue 10): the token operation listed three media types with one schema
    and no anonymous security."""
    operation = live_schema()["paths"]["/api/v1/auth/token/"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]
    assert operation["security"] == []
    assert "401" not in operation["responses"]


@pytest.mark.django_db
def test_sign_in_still_takes_a_form(api):
    from tests.factories import PASSWORD, user_with

    user = user_with()
    response = api.post("/api/v1/auth/token/", {"username": user.username,
                                                 "password": PASSWORD})
    assert response.status_code == 200
    assert response.json()["token"]


def test_id_filters_are_integers_and_refuse_fractions(client_for, admin_user):
    """Regression (issue 10): `enterprise` and `spectrum` were typed `number`, so generated
    clients sent ids as floats."""
    wrong = [
        f"{method.upper()} {template} ?{param['name']}: {param['schema']}"
        for method, template, operation in _operations()
        for param in operation.get("parameters", [])
        if param["in"] == "query" and param["name"] in {"enterprise", "spectrum"}
        and param["schema"].get("type") != "integer"
    ]
    assert not wrong, wrong
    client = client_for(admin_user)
    for url in ("/api/v1/filings/?enterprise=1.5", "/api/v1/filings/?spectrum=2.5",
                "/api/v1/enterprises/?spectrum=1.5"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert list(response.json()) == [url.split("?")[1].split("=")[0]]


def test_filing_attachments_are_documented_as_the_bare_list_they_are():
    """Regression (issue 10): documented as a paginated list with the filings' filters."""
    operation = live_schema()["paths"]["/api/v1/filings/{id}/attachments/"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}
    assert [param["name"] for param in operation["parameters"]] == ["id"]


def test_idempotency_headers_are_declared():
    problems = []
    for method, template, operation in _operations():
        params = {param["name"] for param in operation.get("parameters", [])}
        if "Idempotency-Key" not in params:
            continue
        for code, response in operation["responses"].items():
            if code not in {"409", "422"} and "Idempotent-Replayed" not in response.get(
                    "headers", {}):
                problems.append(f"{method.upper()} {template} {code}")
    assert not problems, problems


def test_notifications_declare_the_unread_filter():
    operation = live_schema()["paths"]["/api/v1/notifications/"]["get"]
    params = {param["name"]: param for param in operation["parameters"]}
    assert params["unread"]["schema"] == {"type": "boolean"}


def test_the_changes_operation_documents_the_sync_protocol():
    operation = live_schema()["paths"]["/api/v1/changes/"]["get"]
    text = operation["description"]
    for words in ("after=", "next_after", "has_more", "`delete`", "scope"):
        assert words in text
    for object_type in tracking.tracked_types():
        assert f"`{object_type}`" in text


@pytest.mark.parametrize("media_type", ["application/json"])
def test_every_json_request_body_is_one_media_type(media_type):
    several = [
        f"{method.upper()} {template}: {sorted(operation['requestBody']['content'])}"
        for method, template, operation in _operations()
        if "requestBody" in operation
        and media_type in operation["requestBody"]["content"]
        and len(operation["requestBody"]["content"]) > 1
    ]
    assert not several, several
