"""Assignments of officials: API, rules and journal."""

import pytest

from liaisons.models import Assignment
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    admin = user_with(Role.ADMIN)
    return {
        "admin": admin,
        "liaison": user_with(Role.LIAISON),
        "spectrum": factories.spectrum(actor=admin),
        "enterprise": factories.enterprise(actor=admin, is_key_project=True),
    }


def test_admin_assigns_resident_officer_through_api(client_for, setting):
    client = client_for(setting["admin"])
    response = client.post(
        "/api/v1/assignments/",
        {
            "official": setting["liaison"].pk,
            "kind": "resident_officer",
            "enterprise": setting["enterprise"].pk,
            "active_from": "2020-02-10",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assignment = Assignment.objects.get()
    assert assignment.enterprise == setting["enterprise"]
    entry = JournalEntry.objects.filter(object_type="liaisons.assignment").get()
    assert entry.enterprise_id == setting["enterprise"].pk
    assert entry.data["kind"] == "resident_officer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "family_liaison", "spectrum": "S", "enterprise": "E"}, "non_field_errors"),
        ({"kind": "family_liaison"}, "non_field_errors"),
        ({"kind": "family_liaison", "enterprise": "E"}, "enterprise"),
        ({"kind": "resident_officer", "spectrum": "S"}, "spectrum"),
        (
            {"kind": "family_liaison", "spectrum": "S", "active_to": "2020-01-01"},
            "non_field_errors",
        ),
    ],
)
def test_invalid_assignments_get_field_errors(client_for, setting, body, field):
    resolved = {
        key: {"S": setting["spectrum"].pk, "E": setting["enterprise"].pk}.get(value, value)
        for key, value in body.items()
    }
    payload = {"official": setting["liaison"].pk, "active_from": "2020-02-10", **resolved}
    response = client_for(setting["admin"]).post("/api/v1/assignments/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Assignment.objects.exists()


def test_only_liaisons_can_be_assigned(client_for, setting):
    response = client_for(setting["admin"]).post(
        "/api/v1/assignments/",
        {
            "official": user_with(Role.ENTERPRISE).pk,
            "kind": "family_liaison",
            "spectrum": setting["spectrum"].pk,
            "active_from": "2020-02-10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["official"] == ["只能分配联络干部。"]


def test_liaison_reads_own_assignments_and_cannot_create(client_for, setting):
    from liaisons import services

    own = services.assignment_create(
        actor=setting["admin"],
        official=setting["liaison"],
        kind="family_liaison",
        spectrum=setting["spectrum"],
        active_from="2020-02-10",
    )
    other = services.assignment_create(
        actor=setting["admin"],
        official=user_with(Role.LIAISON),
        kind="family_liaison",
        spectrum=setting["spectrum"],
        active_from="2020-02-10",
    )
    client = client_for(setting["liaison"])
    assert [row["id"] for row in client.get("/api/v1/assignments/").json()["results"]] == [own.pk]
    assert client.get(f"/api/v1/assignments/{other.pk}/").status_code == 404
    denied = client.post(
        "/api/v1/assignments/",
        {
            "official": setting["liaison"].pk,
            "kind": "family_liaison",
            "spectrum": setting["spectrum"].pk,
            "active_from": "2020-02-10",
        },
        format="json",
    )
    assert denied.status_code == 403


def test_enterprise_user_cannot_list_assignments(client_for):
    assert client_for(user_with(Role.ENTERPRISE)).get("/api/v1/assignments/").status_code == 403


def test_end_and_delete_are_journaled(client_for, setting):
    from liaisons import services

    assignment = services.assignment_create(
        actor=setting["admin"],
        official=setting["liaison"],
        kind="family_liaison",
        spectrum=setting["spectrum"],
        active_from="2020-02-10",
    )
    client = client_for(setting["admin"])
    url = f"/api/v1/assignments/{assignment.pk}/"
    response = client.patch(url, {"active_to": "2020-03-31"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["active_to"] == "2020-03-31"
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 412
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    actions = list(
        JournalEntry.objects.filter(object_type="liaisons.assignment").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "liaisons.assignment.created",
        "liaisons.assignment.updated",
        "liaisons.assignment.deleted",
    ]
