import pytest

from enterprises.models import Enterprise
from portal.models import JournalEntry
from portal.roles import Role
from tests.enterprises import factories
from tests.factories import user_with
from tests.threads import at_once


@pytest.mark.django_db(transaction=True)
def test_one_of_many_conflicting_updates_wins_the_rest_get_412(client_for):
    """On PostgreSQL the row lock decides; on SQLite the IMMEDIATE transaction does."""
    admin = user_with(Role.ADMIN)
    enterprise = factories.enterprise(actor=admin)
    url = f"/api/v1/enterprises/{enterprise.pk}/"
    writers = 12
    clients = [client_for(admin) for _ in range(writers)]

    def patch(index):
        response = clients[index].patch(
            url, {"employee_count": 1000 + index}, format="json", HTTP_IF_MATCH='"1"'
        )
        return response.status_code, response["ETag"]

    answers = at_once(writers, patch)
    assert sorted(answers) == [(200, '"2"')] + [(412, '"2"')] * (writers - 1)
    winner = 1000 + [status for status, _etag in answers].index(200)
    enterprise = Enterprise.objects.get(pk=enterprise.pk)
    assert (enterprise.version, enterprise.employee_count) == (2, winner)
    updates = JournalEntry.objects.filter(action="enterprises.enterprise.updated")
    assert [entry.changes for entry in updates] == [{"employee_count": [120, winner]}]


@pytest.mark.django_db
def test_stale_delete_is_412_and_keeps_the_object(client_for, admin_user):
    enterprise = factories.enterprise(actor=admin_user)
    client = client_for(admin_user)
    url = f"/api/v1/enterprises/{enterprise.pk}/"
    ok = client.patch(url, {"employee_count": 5}, format="json", HTTP_IF_MATCH='"1"')
    assert ok.status_code == 200
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 412
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()
