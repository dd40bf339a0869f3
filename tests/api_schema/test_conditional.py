"""If-Match on PUT, PATCH and DELETE: a real version, always (DESIGN §5, issue 10 §1).

428 without it, 412 when stale (with the current ETag), 412 for `*` and weak tags (they
name no version the client read), 400 for anything that is not an ETag. Every answer is
checked against the schema, which documents the header and these answers.
"""

import pytest

from enterprises import services as registry_services
from enterprises.models import Enterprise, Membership
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return user_with(Role.ADMIN, is_staff=True)


@pytest.fixture
def enterprise(admin):
    return factories.enterprise(actor=admin)


@pytest.fixture
def admin_api(client_for, admin):
    return client_for(admin)


def _patch(client, enterprise, if_match=None, body=None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return client.patch(f"/api/v1/enterprises/{enterprise.pk}/",
                        {"contact_name": "王新"} if body is None else body, format="json",
                        **headers)


def test_patch_without_if_match_is_428(admin_api, enterprise, schema_check):
    response = schema_check(_patch(admin_api, enterprise))
    assert response.status_code == 428
    assert Enterprise.objects.get(pk=enterprise.pk).contact_name != "王新"


@pytest.mark.parametrize("if_match", ["*", 'W/"1"', '"2"', '"99999999999999999999999999"'])
def test_patch_naming_no_current_version_is_412_with_the_current_etag(
    admin_api, enterprise, schema_check, if_match
):
    """Regression (issue 10): `If-Match: *` matched any version."""
    response = schema_check(_patch(admin_api, enterprise, if_match))
    assert response.status_code == 412
    assert response["ETag"] == '"1"'
    assert Enterprise.objects.get(pk=enterprise.pk).version == 1


@pytest.mark.parametrize("if_match", ["abc", '"abc"', "1", '"-1"', '"1", "2"', '"', '"1" x'])
def test_malformed_if_match_is_400(admin_api, enterprise, schema_check, if_match):
    response = schema_check(_patch(admin_api, enterprise, if_match))
    assert response.status_code == 400
    assert "If-Match" in response.json()["detail"]


def test_put_needs_if_match_too(admin_api, enterprise, schema_check):
    response = schema_check(admin_api.put(f"/api/v1/enterprises/{enterprise.pk}/", {},
                                          format="json"))
    assert response.status_code == 428


def test_patch_with_the_current_version_changes_it(admin_api, enterprise, schema_check):
    response = schema_check(_patch(admin_api, enterprise, '"1"'))
    assert response.status_code == 200
    assert response["ETag"] == '"2"'


def test_patch_that_changes_nothing_still_needs_the_current_version(admin_api, enterprise):
    response = _patch(admin_api, enterprise, "*", body={})
    assert response.status_code == 412


def test_delete_without_if_match_is_428_and_keeps_the_object(admin_api, admin, schema_check):
    """Regression (issue 10): DELETE needed no If-Match, so a client could delete an object
    it had not seen."""
    member = user_with(Role.ENTERPRISE)
    membership = registry_services.membership_add(
        user=member, enterprise=factories.enterprise(actor=admin), actor=admin
    )
    url = f"/api/v1/memberships/{membership.pk}/"
    assert schema_check(admin_api.delete(url)).status_code == 428
    assert schema_check(admin_api.delete(url, HTTP_IF_MATCH="*")).status_code == 412
    assert schema_check(admin_api.delete(url, HTTP_IF_MATCH="one")).status_code == 400
    assert Membership.objects.filter(pk=membership.pk).exists()
    response = schema_check(admin_api.delete(url, HTTP_IF_MATCH=f'"{membership.version}"'))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_schema_requires_if_match_on_every_put_patch_and_delete_of_a_tracked_object():
    from .validation import live_schema

    missing = []
    for template, path_item in live_schema()["paths"].items():
        for method in ("put", "patch", "delete"):
            operation = path_item.get(method)
            if operation is None or template.startswith("/api/v1/auth/tokens/"):
                continue
            params = {param["name"]: param for param in operation.get("parameters", [])}
            if_match = params.get("If-Match")
            if not (if_match and if_match["required"] and if_match["in"] == "header"):
                missing.append(f"{method.upper()} {template}: If-Match not required")
            for code in ("412", "428"):
                if code not in operation["responses"]:
                    missing.append(f"{method.upper()} {template}: {code} not documented")
    assert not missing, "\n".join(missing)
