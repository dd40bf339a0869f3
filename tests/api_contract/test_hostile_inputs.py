"""Regressions from schemathesis: inputs that broke the API contract before they were fixed."""

import pytest

from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client_for):
    return client_for(user_with(Role.ADMIN))


def test_integer_for_a_string_field_is_a_field_error(admin_client):
    """DRF's CharField turned 42 into "42"; the API now says the type is wrong."""
    spectrum = factories.spectrum()
    response = admin_client.patch(
        f"/api/v1/spectra/{spectrum.pk}/", {"name": 42}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_deleting_a_referenced_enterprise_is_409_not_500(admin_client):
    from tests.filings import factories as filing_factories

    enterprise, member = filing_factories.member_enterprise()
    filing_factories.draft(enterprise, member)
    enterprise.refresh_from_db()
    response = admin_client.delete(f"/api/v1/enterprises/{enterprise.pk}/",
                                   HTTP_IF_MATCH=f'"{enterprise.version}"')
    assert response.status_code == 409
    assert "detail" in response.json()


def test_unknown_api_address_is_a_json_404(admin_client):
    response = admin_client.patch("/api/v1/enterprises/1.5e-9/", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_token_endpoint_answers_a_list_body_with_400(api):
    response = api.post("/api/v1/auth/token/", [None, None], format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["0", "-1", "null", "1.5"])
def test_bad_page_size_is_a_400(admin_client, value):
    response = admin_client.get(f"/api/v1/districts/?page_size={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_number_filter_beyond_64_bits_is_a_400_not_a_database_error(admin_client):
    response = admin_client.get("/api/v1/filings/?spectrum=1e40")
    assert response.status_code == 400
    assert list(response.json()) == ["spectrum"]


def test_unknown_api_address_with_a_newline_is_a_json_404(admin_client):
    response = admin_client.get("/api/v1/industries/x%0Ay/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
