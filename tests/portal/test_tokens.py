"""API tokens (DESIGN §5): stored hashed, idle and absolute lifetimes, revoked on sign-out,
password change and deactivation, listed and revoked by their user and by administrators,
every issue and end journaled without the secret."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal import tokens
from portal.models import ApiToken, JournalEntry
from portal.roles import Role
from portal.tasks import api_token_prune
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
PROBE = "/api/v1/notifications/"  # any endpoint every signed-in role may read


def sign_in(api, user, **extra):
    response = api.post(URL, {"username": user.username, "password": PASSWORD, **extra},
                        format="json")
    assert response.status_code == 200, response.content
    return response.json()


def probe(api, secret, **headers):
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return api.get(PROBE, HTTP_ACCEPT_LANGUAGE="en", **headers)


def all_stored_text() -> str:
    """Every token row and journal entry as text: where a secret must never be."""
    rows = list(ApiToken.objects.values())
    entries = list(JournalEntry.objects.values("data", "changes", "action", "object_id"))
    return json.dumps([rows, entries], default=str)


def test_sign_in_issues_a_token_stored_only_as_its_digest(api):
    """Regression: DRF's authtoken kept the key in plain text, forever, one per user."""
    user = user_with(Role.ENTERPRISE)
    body = sign_in(api, user, name="工作手机")
    secret = body["token"]
    token = ApiToken.objects.get(user=user)
    assert (body["id"], body["prefix"]) == (token.pk, secret[:8]) == (token.pk, token.prefix)
    assert token.digest == tokens.digest(secret) != secret
    assert secret not in all_stored_text()
    assert token.name == "工作手机"
    assert probe(api, secret).status_code == 200
    # Each sign-in is a token of its own (one per device), shown only once.
    second = sign_in(api, user)["token"]
    assert second != secret and ApiToken.objects.filter(user=user).count() == 2


def test_the_journal_records_issue_and_end_without_secret_or_digest(api):
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    token = ApiToken.objects.get(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    entries = list(JournalEntry.objects.filter(object_type="portal.apitoken").order_by("seq"))
    assert [(e.action, e.op, e.object_id, e.actor_id) for e in entries] == [
        ("portal.apitoken.issued", "event", str(token.pk), user.pk),
        ("portal.apitoken.revoked", "event", str(token.pk), user.pk),
    ]
    assert entries[1].data["reason"] == "logout"
    assert entries[0].data["prefix"] == secret[:8]
    assert secret not in all_stored_text() and token.digest not in all_stored_text()


def test_sign_out_ends_the_token(api):
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    other = sign_in(api, user)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert probe(api, secret).status_code == 401
    assert probe(api, other).status_code == 200  # another device stays signed in


def test_a_token_unused_for_the_idle_lifetime_is_refused(api):
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    idle = datetime.timedelta(hours=settings.API_TOKEN_IDLE_HOURS)
    ApiToken.objects.filter(user=user).update(
        last_used_at=timezone.now() - idle + datetime.timedelta(minutes=5)
    )
    assert probe(api, secret).status_code == 200  # still within: and the use restarts it
    assert ApiToken.objects.get(user=user).last_used_at > timezone.now() - datetime.timedelta(
        minutes=1
    )
    ApiToken.objects.filter(user=user).update(last_used_at=timezone.now() - idle)
    response = probe(api, secret)
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has expired."}


def test_a_token_in_use_still_ends_at_its_absolute_lifetime(api):
    user = user_with(Role.ENTERPRISE)
    body = sign_in(api, user)
    token = ApiToken.objects.get(user=user)
    assert token.expires_at - token.created_at == datetime.timedelta(
        days=settings.API_TOKEN_MAX_AGE_DAYS
    )
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1), last_used_at=timezone.now()
    )
    assert probe(api, body["token"]).status_code == 401


def test_uses_within_a_minute_write_nothing(api):
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    api.get(PROBE)
    stamp = ApiToken.objects.get(user=user).last_used_at
    api.get(PROBE)
    assert ApiToken.objects.get(user=user).last_used_at == stamp


def test_an_expired_token_header_does_not_block_signing_in_again(api):
    user = user_with(Role.ENTERPRISE)
    old = sign_in(api, user)["token"]
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now())
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    fresh = sign_in(api, user)["token"]
    assert probe(api, fresh).status_code == 200


def test_signing_in_again_drops_expired_tokens_and_the_oldest_beyond_the_limit(api, settings):
    settings.API_TOKENS_PER_USER = 3
    user = user_with(Role.ENTERPRISE)
    first, second, third = (sign_in(api, user)["token"] for _ in range(3))
    fourth = sign_in(api, user)["token"]
    assert probe(api, first).status_code == 401
    assert all(probe(api, secret).status_code == 200 for secret in (second, third, fourth))
    ended = JournalEntry.objects.filter(action="portal.apitoken.revoked").get()
    assert ended.data["reason"] == "limit"
    ApiToken.objects.filter(digest=tokens.digest(second)).update(expires_at=timezone.now())
    sign_in(api, user)
    assert ApiToken.objects.filter(user=user).count() == 3
    expired = JournalEntry.objects.get(action="portal.apitoken.expired")
    assert (expired.data["reason"], expired.actor_id) == ("expired", None)


def test_the_hourly_prune_deletes_expired_tokens_journaled(api):
    user = user_with(Role.ENTERPRISE)
    kept, gone, idle = (sign_in(api, user)["token"] for _ in range(3))
    ApiToken.objects.filter(digest=tokens.digest(gone)).update(expires_at=timezone.now())
    ApiToken.objects.filter(digest=tokens.digest(idle)).update(
        last_used_at=timezone.now() - datetime.timedelta(hours=settings.API_TOKEN_IDLE_HOURS)
    )
    assert api_token_prune() == 2
    assert list(ApiToken.objects.values_list("digest", flat=True)) == [tokens.digest(kept)]
    assert JournalEntry.objects.filter(action="portal.apitoken.expired").count() == 2
    assert "api-token-prune" in settings.CELERY_BEAT_SCHEDULE


def test_a_user_lists_only_their_own_tokens_never_a_secret(api, client_for):
    user, other = user_with(Role.ENTERPRISE), user_with(Role.ADMIN)
    secret = sign_in(api, user, name="平板")["token"]
    sign_in(api, other)
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    rows = api.get("/api/v1/auth/tokens/").json()["results"]
    assert [(row["prefix"], row["name"], row["current"]) for row in rows] == [
        (secret[:8], "平板", True)
    ]
    assert set(rows[0]) == {"id", "prefix", "name", "created_at", "last_used_at",
                            "expires_at", "idle_expires_at", "current"}
    # Administrators manage anyone's tokens (issue 9 §2), in the API as in the admin.
    admin_rows = client_for(other).get("/api/v1/auth/tokens/").json()["results"]
    assert {row["id"] for row in rows} <= {row["id"] for row in admin_rows}


def test_a_user_revokes_their_own_token_and_gets_404_for_anothers(api):
    user, other = user_with(Role.ENTERPRISE), user_with(Role.ENTERPRISE)
    mine, spare = sign_in(api, user)["token"], sign_in(api, user)["token"]
    theirs = sign_in(api, other)["token"]
    their_id = ApiToken.objects.get(user=other).pk
    spare_id = ApiToken.objects.get(digest=tokens.digest(spare)).pk
    api.credentials(HTTP_AUTHORIZATION=f"Token {mine}")
    assert api.delete(f"/api/v1/auth/tokens/{their_id}/").status_code == 404
    assert api.delete(f"/api/v1/auth/tokens/{spare_id}/").status_code == 204
    assert probe(api, spare).status_code == 401
    assert probe(api, theirs).status_code == 200 and probe(api, mine).status_code == 200
    revoked = JournalEntry.objects.get(action="portal.apitoken.revoked")
    assert (revoked.object_id, revoked.data["reason"]) == (str(spare_id), "revoked")


def test_the_tokens_page_lists_and_revokes(client, api):
    user, other = user_with(Role.ENTERPRISE), user_with(Role.ENTERPRISE)
    first, second = sign_in(api, user, name="办公电脑")["token"], sign_in(api, user)["token"]
    theirs = sign_in(api, other)["token"]
    client.force_login(user)
    page = client.get("/accounts/tokens/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "办公电脑" in text
    assert first[:8] in text and first not in text and second not in text
    their_id = ApiToken.objects.get(user=other).pk
    client.post("/accounts/tokens/", {"revoke": str(their_id)})
    assert probe(api, theirs).status_code == 200
    first_id = ApiToken.objects.get(digest=tokens.digest(first)).pk
    assert client.post("/accounts/tokens/", {"revoke": str(first_id)}).status_code == 302
    assert probe(api, first).status_code == 401 and probe(api, second).status_code == 200
    client.post("/accounts/tokens/", {"revoke": "all"})
    assert probe(api, second).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert client.post("/accounts/tokens/", {"revoke": "9" * 40}).status_code == 302


def test_the_tokens_page_needs_signing_in(client):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_administrators_see_everyones_tokens_by_prefix_and_revoke_them(client, api):
    admin = user_with(Role.ADMIN, is_staff=True)
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    token = ApiToken.objects.get(user=user)
    client.force_login(admin)
    listing = client.get("/admin/portal/apitoken/").content.decode()
    assert token.prefix in listing and secret not in listing and token.digest not in listing
    detail = client.get(f"/admin/portal/apitoken/{token.pk}/change/").content.decode()
    assert secret not in detail and token.digest not in detail
    assert client.get("/admin/portal/apitoken/add/").status_code == 403
    response = client.post(f"/admin/portal/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert probe(api, secret).status_code == 401
    revoked = JournalEntry.objects.get(action="portal.apitoken.revoked")
    assert (revoked.actor_id, revoked.data["user"]) == (admin.pk, user.pk)


def test_deactivating_a_user_in_the_admin_ends_their_tokens(client, api):
    admin = user_with(Role.ADMIN, is_staff=True)
    user = user_with(Role.ENTERPRISE)
    secret = sign_in(api, user)["token"]
    client.force_login(admin)
    page = client.get(f"/admin/portal/user/{user.pk}/change/")
    data = {key: value for key, value in page.context["adminform"].form.initial.items()
            if value is not None and key not in {"password", "last_login", "date_joined"}}
    data.update(is_active="", groups=[g.pk for g in user.groups.all()], user_permissions=[])
    response = client.post(f"/admin/portal/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.content
    assert probe(api, secret).status_code == 401
    assert not ApiToken.objects.filter(user=user).exists()
    assert JournalEntry.objects.get(action="portal.apitoken.revoked").data["reason"] == (
        "deactivated"
    )


def test_drf_authtoken_is_gone():
    """Its plain-text keys table is dropped by the migration, its app no longer installed."""
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert "authtoken_token" not in connection.introspection.table_names()
