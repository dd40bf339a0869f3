"""Roles and permissions read once per request, and token sign-in in one query: the same
answers as Django's and DRF's own."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from portal import access, tokens
from portal.api.authentication import TokenAuthentication
from portal.models import User
from portal.roles import Role
from tests.factories import user_with

pytestmark = pytest.mark.django_db


def fresh(user) -> User:
    """The user as a request reads it: a new object, nothing cached on it."""
    return User.objects.get(pk=user.pk)


def test_roles_and_permissions_come_from_one_query(django_assert_num_queries):
    user = user_with(Role.ENTERPRISE)
    fresh(user).get_all_permissions()  # the process learns the permissions' names once
    user = fresh(user)
    with django_assert_num_queries(1):
        assert user.has_role(Role.ENTERPRISE) and not user.has_role(Role.LIAISON)
        assert user.has_perm("filings.add_filing")
        assert user.has_perms(["filings.view_filing", "filings.change_filing"])
        assert not user.has_perm("filings.delete_filing")
        assert not user.sees_everything
        user.get_all_permissions()


def test_permissions_are_django_s_own_for_groups_and_direct_grants():
    user = user_with(Role.ENTERPRISE, Role.INSPECTOR)
    user.groups.add(Group.objects.create(name="no permissions at all"))
    user.user_permissions.add(Permission.objects.get(codename="delete_negativelist"))
    expected = ModelBackend()
    reference = fresh(user)

    user = fresh(user)
    assert user.get_all_permissions() == expected.get_all_permissions(reference)
    assert user.get_user_permissions() == {"filings.delete_negativelist"}
    assert user.get_group_permissions() == expected.get_group_permissions(fresh(user))
    assert user.roles == {Role.ENTERPRISE, Role.INSPECTOR, "no permissions at all"}
    assert user.has_perm("filings.delete_negativelist")
    assert user.has_perm("portal.view_journalentry")  # the inspector's


def test_inactive_user_has_no_roles_or_permissions(django_assert_num_queries):
    user = user_with(Role.ENTERPRISE, is_active=False)
    user = fresh(user)
    with django_assert_num_queries(0):
        assert user.roles == frozenset()
        assert not user.has_perm("filings.add_filing")


def test_superuser_is_admin_and_holds_every_permission():
    user = fresh(user_with(is_superuser=True))
    assert user.has_role(Role.ADMIN)
    assert user.has_perm("filings.delete_filing")
    assert user.get_all_permissions() == ModelBackend().get_all_permissions(fresh(user))


def test_forget_roles_reads_changed_groups_again():
    user = fresh(user_with(Role.ENTERPRISE))
    assert not user.has_perm("liaisons.view_assignment")
    user.groups.add(Group.objects.get(name=Role.LIAISON))
    user.forget_roles()
    assert user.has_role(Role.LIAISON) and user.has_perm("liaisons.view_assignment")


@pytest.fixture
def forget_permissions():
    yield
    access.forget_permissions()  # the rows made here are rolled back


def test_a_permission_created_later_is_named(forget_permissions):
    """A permission the process has not seen (another process migrated) is read again."""
    user = user_with(Role.ENTERPRISE)
    fresh(user).get_all_permissions()
    extra = Permission.objects.create(
        codename="export_filing", name="Can export filing",
        content_type=Permission.objects.get(codename="view_filing").content_type,
    )
    user.user_permissions.add(extra)
    assert fresh(user).has_perm("filings.export_filing")


# --- token sign-in ---------------------------------------------------------------------------


def test_token_request_reads_user_and_access_once(client_for, django_assert_num_queries):
    user = user_with(Role.ENTERPRISE)
    client = client_for(user)
    client.get("/api/v1/filings/")  # the process learns the permissions' names once
    # the token with its user, the roles with their permissions, the page
    with django_assert_num_queries(3):
        assert client.get("/api/v1/filings/").status_code == 200


def test_unknown_token_is_401_in_drf_s_words(api):
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = api.get("/api/v1/filings/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_token_of_an_inactive_user_is_401(api):
    user = user_with(Role.ENTERPRISE)
    secret = tokens.issue(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    api.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = api.get("/api/v1/filings/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json() == {"detail": "User inactive or deleted."}


def test_token_user_is_read_as_the_orm_reads_it():
    user = user_with(Role.ENTERPRISE, phone="13800000000")
    User.objects.filter(pk=user.pk).update(last_login=user.date_joined)
    token, secret = tokens.token_issue(user=user, actor=user)
    found, auth = TokenAuthentication().authenticate_credentials(secret)
    expected = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert found.date_joined.tzinfo is not None and found.last_login == expected.last_login
    assert (auth.pk, auth.user, auth.prefix, auth.created_at, auth.expires_at) == (
        token.pk, found, token.prefix, token.created_at, token.expires_at
    )
    assert not found._state.adding and not auth._state.adding


def test_token_authenticates_as_its_user(client_for):
    user = user_with(Role.ENTERPRISE)
    response = client_for(user).get("/api/v1/filings/")
    assert response.status_code == 200
