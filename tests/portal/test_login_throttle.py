"""Sign-in throttling per account and per address, on every sign-in door."""

import pytest

from portal.roles import Role
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

# What the sign-in page says when attempts are throttled (portal.auth.THROTTLED_MESSAGE in
# zh-hans, the default language).
THROTTLED = "登录失败次数过多，请一分钟后再试。"


def form_errors(page) -> list[str]:
    """The codes of the sign-in form's errors on a rendered page."""
    return [error.code for error in page.context["form"].non_field_errors().as_data()]


def test_sixth_wrong_password_in_a_minute_is_refused_even_if_right(client):
    """Regression: the first attempts were checked against a message the portal never
    prints, so they passed even if every attempt was throttled."""
    user = user_with(Role.ENTERPRISE)
    for _ in range(5):
        page = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
        assert page.status_code == 200
        assert form_errors(page) == ["invalid_login"]
        assert THROTTLED not in page.content.decode()
    sixth = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert sixth.status_code == 200
    assert form_errors(sixth) == ["throttled"]
    assert THROTTLED in sixth.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_token_is_throttled_with_429(api):
    user = user_with(Role.ENTERPRISE)
    for _ in range(5):
        response = api.post("/api/v1/auth/token/", {"username": user.username, "password": "x"})
        assert response.status_code == 400
    sixth = api.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
    assert sixth.status_code == 429
    assert "token" not in sixth.json()


def test_other_accounts_are_not_blocked_by_one_accounts_failures(client):
    victim, other = user_with(Role.ENTERPRISE), user_with(Role.ENTERPRISE)
    for _ in range(6):
        client.post("/accounts/login/", {"username": victim.username, "password": "wrong"})
    response = client.post("/accounts/login/", {"username": other.username, "password": PASSWORD})
    assert response.status_code == 302


def test_one_address_is_blocked_after_twenty_failures_across_accounts(client, settings):
    users = [user_with(Role.ENTERPRISE) for _ in range(5)]
    for user in users:
        for _ in range(4):
            client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    fresh = user_with(Role.ENTERPRISE)
    response = client.post("/accounts/login/", {"username": fresh.username, "password": PASSWORD})
    assert response.status_code == 200
    assert form_errors(response) == ["throttled"] and THROTTLED in response.content.decode()
    other_address = client.post(
        "/accounts/login/", {"username": fresh.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    assert other_address.status_code == 302


def test_admin_login_is_throttled_too(client):
    admin = user_with(Role.ADMIN, is_staff=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": admin.username, "password": "wrong"})
    page = client.post("/admin/login/", {"username": admin.username, "password": PASSWORD})
    assert THROTTLED in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_resets_the_account_counter(client):
    user = user_with(Role.ENTERPRISE)
    for _ in range(4):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    ).status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    ).status_code == 302
