"""Accounts: every user changes their own password, resets it by email, and every change of
a user, a group or its permissions (admin, pages, services) is journaled (DESIGN §3, §5)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from portal import tokens
from portal.accounts import services
from portal.models import ApiToken, JournalEntry, User
from portal.roles import Role
from tests.factories import PASSWORD, user_with

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Another-Horse-77"


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}
                       ).status_code == 302
    return client


def is_signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def no_secret_in_journal(*secrets: str) -> bool:
    text = str(list(JournalEntry.objects.values_list("data", "changes")))
    return not any(secret in text for secret in secrets)


# --- password change --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.LIAISON, Role.INSPECTOR])
def test_every_user_changes_their_own_password(role):
    """Regression: /accounts/password_change/ was the admin's only, a 404 for non-staff."""
    user = user_with(role)
    here, elsewhere = signed_in(user), signed_in(user)
    secret = tokens.issue(user)
    page = here.get("/accounts/password_change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Change password" in page.content.decode()
    response = here.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/done/"
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert is_signed_in(here)  # this session goes on
    assert not is_signed_in(elsewhere)  # every other one ends
    assert not ApiToken.objects.filter(user=user).exists()  # and so does every token
    event = JournalEntry.objects.get(action="portal.user.password_changed")
    assert (event.object_type, event.object_id, event.actor_id) == ("portal.user", str(user.pk),
                                                                     user.pk)
    assert event.data == {"username": user.username}
    hashed = User.objects.get(pk=user.pk).password
    assert no_secret_in_journal(NEW_PASSWORD, hashed, secret)


def test_a_wrong_old_password_changes_nothing():
    user = user_with(Role.ENTERPRISE)
    client = signed_in(user)
    page = client.post("/accounts/password_change/", {
        "old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    }, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "old_password" in page.context["form"].errors
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    assert not JournalEntry.objects.filter(object_type="portal.user").exists()


def test_password_change_needs_signing_in(client):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admins_own_password_change_is_the_same_page(client):
    client.force_login(user_with(Role.ADMIN, is_staff=True))
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"


# --- password reset by email -------------------------------------------------------------


def _reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


@pytest.mark.parametrize(("language", "subject"), [
    ("en", "Reset your password for the return-to-work portal"),
    ("zh-hans", "重置复工复产管理门户的密码"),
])
def test_password_reset_by_email(client, language, subject):
    user = user_with(Role.ENTERPRISE, email="zhang@example.cn")
    here = signed_in(user)
    secret = tokens.issue(user)
    page = client.get("/accounts/password_reset/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    response = client.post("/accounts/password_reset/", {"email": "zhang@example.cn"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["zhang@example.cn"] and message.subject == subject
    link = _reset_link(message)
    form = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE=language)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(form.redirect_chain[-1][0], {
        "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    assert not is_signed_in(here) and not ApiToken.objects.filter(user=user).exists()
    event = JournalEntry.objects.get(action="portal.user.password_reset")
    assert event.object_id == str(user.pk) and no_secret_in_journal(NEW_PASSWORD, secret)
    # The link works once.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]


def test_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.cn"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_address(client):
    user_with(Role.ENTERPRISE, email="li@example.cn")
    for _ in range(3):
        assert client.post("/accounts/password_reset/", {"email": "li@example.cn"}
                           ).status_code == 302
    page = client.post("/accounts/password_reset/", {"email": "li@example.cn"},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["form"].errors["email"] == ["Too many reset requests. Try again later."]
    assert len(mail.outbox) == 3


def test_the_login_page_links_to_password_reset(client):
    assert 'href="/accounts/password_reset/"' in client.get("/accounts/login/").content.decode()


# --- changes in the admin are journaled ------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = user_with(Role.ADMIN, is_staff=True)
    client.force_login(admin)
    client.user = admin
    return client


def _user_form(client, user, **changes):
    page = client.get(f"/admin/portal/user/{user.pk}/change/")
    assert page.status_code == 200
    initial = page.context["adminform"].form.initial
    data = {key: value for key, value in initial.items()
            if value is not None and key not in {"password", "last_login", "date_joined",
                                                 "groups", "user_permissions"}}
    for flag in ("is_active", "is_staff", "is_superuser"):
        data[flag] = "on" if initial.get(flag) else ""
    data["groups"] = [group.pk for group in user.groups.all()]
    data["user_permissions"] = [perm.pk for perm in user.user_permissions.all()]
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_granting_the_inspector_group_in_the_admin_is_journaled(admin_client):
    """Regression: granting a role in the admin left no trace in the journal."""
    user = user_with(Role.LIAISON)
    inspector = Group.objects.get(name=Role.INSPECTOR)
    data = _user_form(admin_client, user,
                      groups=[*(g.pk for g in user.groups.all()), inspector.pk])
    response = admin_client.post(f"/admin/portal/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert User.objects.get(pk=user.pk).has_role(Role.INSPECTOR)
    event = JournalEntry.objects.get(object_type="portal.user", object_id=str(user.pk))
    assert (event.action, event.op, event.actor_id) == ("portal.user.updated", "event",
                                                        admin_client.user.pk)
    assert event.data["changes"] == {"groups": {"added": ["inspector"], "removed": []}}


def test_adding_a_permission_to_a_group_in_the_admin_is_journaled(admin_client):
    """Regression: adding view_journalentry to the enterprise group left no trace."""
    admin_client.user.is_superuser = True
    admin_client.user.save()
    group = Group.objects.get(name=Role.ENTERPRISE)
    extra = Permission.objects.get(codename="view_journalentry")
    response = admin_client.post(f"/admin/auth/group/{group.pk}/change/", {
        "name": group.name, "permissions": [*group.permissions.values_list("pk", flat=True),
                                            extra.pk],
    })
    assert response.status_code == 302
    assert group.permissions.filter(pk=extra.pk).exists()
    event = JournalEntry.objects.get(object_type="auth.group")
    assert (event.action, event.object_id) == ("auth.group.updated", str(group.pk))
    assert event.data == {"name": "enterprise", "changes": {"permissions": {
        "added": ["portal.view_journalentry"], "removed": []}}}


def test_creating_and_deleting_in_the_admin_is_journaled(admin_client):
    admin_client.user.is_superuser = True
    admin_client.user.save()
    response = admin_client.post("/admin/portal/user/add/", {
        "username": "newcomer", "usable_password": "true",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.check_password(NEW_PASSWORD)
    created = JournalEntry.objects.get(action="portal.user.created")
    assert created.data["username"] == "newcomer" and "password" not in created.data
    assert no_secret_in_journal(NEW_PASSWORD, user.password)
    response = admin_client.post(f"/admin/portal/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not User.objects.filter(pk=user.pk).exists()
    assert JournalEntry.objects.get(action="portal.user.deleted").object_id == str(user.pk)
    admin_client.post("/admin/auth/group/add/", {"name": "专班"})
    group = Group.objects.get(name="专班")
    admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    assert [entry.action for entry in JournalEntry.objects.filter(object_type="auth.group")] == [
        "auth.group.created", "auth.group.deleted"]


def test_setting_a_users_password_in_the_admin_is_journaled_and_ends_tokens(admin_client):
    user = user_with(Role.ENTERPRISE)
    secret = tokens.issue(user)
    response = admin_client.post(f"/admin/portal/user/{user.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set_usable_password": "true",
        "usable_password": "true",
    })
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    event = JournalEntry.objects.get(action="portal.user.password_set")
    assert (event.object_id, event.actor_id) == (str(user.pk), admin_client.user.pk)
    assert not ApiToken.objects.filter(user=user).exists()
    assert no_secret_in_journal(NEW_PASSWORD, secret, User.objects.get(pk=user.pk).password)


def test_a_role_group_keeps_its_name_and_cannot_be_deleted(admin_client):
    admin_client.user.is_superuser = True
    admin_client.user.save()
    group = Group.objects.get(name=Role.INSPECTOR)
    page = admin_client.post(f"/admin/auth/group/{group.pk}/change/",
                             {"name": "watchers", "permissions": []}, follow=True)
    assert page.status_code == 200
    assert Group.objects.filter(pk=group.pk, name=Role.INSPECTOR).exists()
    deleted = admin_client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"},
                                follow=True)
    assert deleted.status_code == 200 and Group.objects.filter(pk=group.pk).exists()
    assert not JournalEntry.objects.filter(object_type="auth.group").exists()


def test_only_a_superuser_makes_superusers(admin_client):
    """An administrator (the role) may manage accounts but not raise one above the roles."""
    user = user_with(Role.ENTERPRISE)
    data = _user_form(admin_client, user, is_superuser="on")
    admin_client.post(f"/admin/portal/user/{user.pk}/change/", data)
    assert not User.objects.get(pk=user.pk).is_superuser
    boss = user_with(is_superuser=True, is_staff=True)
    page = admin_client.get(f"/admin/portal/user/{boss.pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_an_account_that_acted_is_deactivated_not_deleted(admin_client):
    admin_client.user.is_superuser = True
    admin_client.user.save()
    actor = user_with(Role.ENTERPRISE)
    services.user_update(user=actor, actor=actor, fields={"display_name": "改名"})
    with translation.override("en"), pytest.raises(ValidationError, match="Deactivate"):
        services.user_delete(user=actor, actor=admin_client.user)
    page = admin_client.post(f"/admin/portal/user/{actor.pk}/delete/", {"post": "yes"},
                             follow=True)
    assert page.status_code == 200 and User.objects.filter(pk=actor.pk).exists()


# --- the services and the audit -----------------------------------------------------------


def test_user_services_journal_each_change_and_nothing_for_no_change():
    admin = user_with(Role.ADMIN)
    user = user_with(Role.ENTERPRISE, phone="13800000000", email="wang@example.cn")
    services.user_set_groups(user=user, groups=Group.objects.filter(name=Role.LIAISON),
                             actor=admin)
    services.user_update(user=user, actor=admin, fields={"phone": "13900000000"})
    services.user_update(user=user, actor=admin, fields={"phone": "13900000000"})
    services.user_deactivate(user=user, actor=admin)
    entries = list(JournalEntry.objects.filter(object_type="portal.user").order_by("seq"))
    assert [entry.action for entry in entries] == [
        "portal.user.groups_changed", "portal.user.updated", "portal.user.deactivated"]
    assert entries[0].data["changes"] == {
        "groups": {"added": ["liaison"], "removed": ["enterprise"]}}
    assert entries[1].data["changes"] == {"phone": ["138****0000", "139****0000"]}
    assert entries[2].data["changes"] == {"is_active": [True, False]}
    assert "13900000000" not in str(entries[1].data)


def test_unknown_fields_are_refused():
    user = user_with(Role.ENTERPRISE)
    with translation.override("en"), pytest.raises(ValidationError, match="cannot be changed"):
        services.user_update(user=user, actor=user, fields={"password": "x", "last_login": None})


def test_account_changes_appear_in_the_inspectors_audit(client):
    admin, inspector = user_with(Role.ADMIN), user_with(Role.INSPECTOR)
    user = user_with(Role.LIAISON)
    services.user_set_groups(user=user, groups=Group.objects.filter(name=Role.INSPECTOR),
                             actor=admin)
    services.group_set_permissions(
        group=Group.objects.get(name=Role.ENTERPRISE),
        permissions=Permission.objects.filter(codename="view_journalentry"), actor=admin,
    )
    tokens.issue(user)
    client.force_login(inspector)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for action in ("portal.user.groups_changed", "auth.group.permissions_changed",
                   "portal.apitoken.issued"):
        assert action in page
    assert "inspector" in page  # the summary names the group granted
    timeline = client.get(f"/audit/object/portal.user/{user.pk}/")
    assert timeline.status_code == 200 and "portal.user.groups_changed" in timeline.content.decode()
    filtered = client.get("/audit/?action=portal.user").content.decode()
    assert "portal.user.groups_changed" in filtered and "auth.group" not in filtered.split(
        "<tbody>")[1]
