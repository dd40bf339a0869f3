import datetime
import time

import pytest
from django.utils import timezone
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from enterprises.models import Enterprise
from portal import tasks
from portal.api.idempotency import IdempotentPostMixin, fingerprint
from portal.api.viewsets import TrackedViewSet
from portal.models import IdempotencyKey, JournalEntry
from portal.roles import Role
from tests.enterprises.test_api import payload
from tests.factories import user_with
from tests.threads import at_once

URL = "/api/v1/enterprises/"


def post(client, data, key="key-1", **extra):
    return client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.mark.django_db
def test_same_key_replays_the_first_answer_and_creates_nothing(client_for, admin_user):
    client = client_for(admin_user)
    data = payload()

    first = post(client, data)
    again = post(client, dict(reversed(list(data.items()))))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"] == '"1"'
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Enterprise.objects.count() == 1
    assert JournalEntry.objects.filter(action="enterprises.enterprise.created").count() == 1
    key = IdempotencyKey.objects.get()
    assert (key.user, key.status, key.response_status) == (admin_user, "done", 201)


@pytest.mark.django_db
def test_same_key_with_another_body_is_422(client_for, admin_user):
    client = client_for(admin_user)
    assert post(client, payload(name="甲公司")).status_code == 201
    response = post(client, payload(name="乙公司"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json() == {
        "detail": "This Idempotency-Key was already used for a different request."
    }
    assert Enterprise.objects.count() == 1


@pytest.mark.django_db
def test_same_key_while_the_first_runs_is_409(client_for, admin_user):
    client = client_for(admin_user)
    data = payload()
    request = APIRequestFactory().post(URL, data, format="json")
    request.data = data  # what fingerprint() reads from a DRF request
    IdempotencyKey.objects.create(
        user=admin_user, key="key-1", method="POST", path=URL, request_hash=fingerprint(request)
    )
    response = post(client, data)
    assert response.status_code == 409
    assert "detail" in response.json()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "", "键"])
def test_malformed_key_is_400(client_for, admin_user, key):
    response = post(client_for(admin_user), payload(), key=key)
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
def test_key_of_255_characters_is_accepted(client_for, admin_user):
    assert post(client_for(admin_user), payload(), key="k" * 255).status_code == 201


@pytest.mark.django_db
def test_keys_belong_to_their_user(client_for):
    one, two = user_with(Role.ADMIN), user_with(Role.ADMIN)
    assert post(client_for(one), payload()).status_code == 201
    assert post(client_for(two), payload()).status_code == 201
    assert Enterprise.objects.count() == 2


@pytest.mark.django_db
def test_validation_error_is_kept_and_replayed(client_for, admin_user):
    client = client_for(admin_user)
    data = payload(contact_phone="12345")
    first = post(client, data)
    again = post(client, data)
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_without_the_header_nothing_is_kept(client_for, admin_user):
    response = client_for(admin_user).post(URL, payload(), format="json")
    assert response.status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_permission_refusal_claims_no_key(client_for):
    client = client_for(user_with(Role.LABOR_OFFICER))  # may only view enterprises
    assert post(client, payload()).status_code == 403
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_unexpected_error_releases_the_key_so_a_retry_runs(admin_user):
    """Any APIView gets the behaviour from the mixin; 5xx answers are not kept."""
    calls = []  # this test's own: a class attribute would carry over into the next run

    class Boom(IdempotentPostMixin, APIView):
        permission_classes = [IsAuthenticated]

        def post(self, request):
            calls.append(request.data)
            if len(calls) == 1:
                raise RuntimeError("worker lost its database")
            return Response({"ok": True}, status=status.HTTP_201_CREATED)

    factory = APIRequestFactory()

    def call():
        request = factory.post("/boom/", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        force_authenticate(request, user=admin_user)
        return Boom.as_view()(request)

    with pytest.raises(RuntimeError):
        call()
    assert not IdempotencyKey.objects.exists()
    assert call().status_code == 201
    replay = call()
    assert (replay.status_code, replay.data, replay["Idempotent-Replayed"]) == (
        201, {"ok": True}, "true"
    )
    assert len(calls) == 2


@pytest.mark.django_db
def test_custom_post_actions_of_tracked_viewsets_are_idempotent(admin_user):
    calls = []

    class Things(TrackedViewSet):
        permission_classes = [IsAuthenticated]

        @action(detail=False, methods=["post"])
        def ping(self, request):
            calls.append(request.data)
            return Response({"calls": len(calls)})

    factory = APIRequestFactory()
    view = Things.as_view({"post": "ping"})
    answers = []
    for _ in range(2):
        request = factory.post("/things/ping/", {}, format="json", HTTP_IDEMPOTENCY_KEY="p")
        force_authenticate(request, user=admin_user)
        answers.append(view(request).data)
    assert answers == [{"calls": 1}, {"calls": 1}]


@pytest.mark.django_db
def test_prune_forgets_keys_older_than_the_retention(admin_user, settings):
    now = timezone.now()

    def key(name, age, state="done"):
        row = IdempotencyKey.objects.create(
            user=admin_user, key=name, method="POST", path=URL, request_hash="0" * 64,
            status=state,
        )
        IdempotencyKey.objects.filter(pk=row.pk).update(created_at=now - age)

    key("fresh", datetime.timedelta(hours=23))
    key("old", datetime.timedelta(hours=25))
    key("dead-claim", datetime.timedelta(hours=2), state="in_progress")
    key("running", datetime.timedelta(minutes=1), state="in_progress")

    assert tasks.idempotency_key_prune.delay().get() == 2
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"fresh", "running"}

    settings.IDEMPOTENCY_KEY_TTL_HOURS = 48
    key("older", datetime.timedelta(hours=30))
    tasks.idempotency_key_prune()
    assert IdempotencyKey.objects.filter(key="older").exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_with_one_key_create_one_object(client_for):
    admin = user_with(Role.ADMIN)
    data = payload()
    clients = [client_for(admin) for _ in range(50)]
    statuses_seen = []

    def send(index):
        deadline = time.monotonic() + 30
        while True:
            response = post(clients[index], data, key="one-key")
            statuses_seen.append(response.status_code)
            if response.status_code != 409 or time.monotonic() > deadline:
                return response.status_code, response.json(), response["ETag"]
            time.sleep(0.02)

    answers = at_once(50, send)
    assert set(statuses_seen) <= {201, 409}
    assert all(answer == answers[0] for answer in answers)
    assert answers[0][0] == 201
    assert Enterprise.objects.count() == 1
    assert JournalEntry.objects.filter(action="enterprises.enterprise.created").count() == 1
    assert IdempotencyKey.objects.get().status == "done"
