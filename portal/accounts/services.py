"""Every change of a user, a group or a group's permissions, journaled (DESIGN §3).

The admin, the account pages and the commands call these; none of them saves a user or a
group directly. A password is validated and stored hashed; the journal says that it
changed, never what it is. Changing a password or deactivating an account ends the user's
API tokens (and, through Django's session hash, their other sessions).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.utils.translation import gettext as _

from portal import tokens, tracking
from portal.models import ApiToken, JournalEntry, User
from portal.roles import Role
from portal.services import for_update, unit_of_work

from .journaling import group_data, record_group, record_user, user_data

# What user_update changes; `password` has its own service, `last_login` and `date_joined`
# are facts the sign-in and the creation record.
USER_FIELDS = frozenset({
    "username", "first_name", "last_name", "display_name", "email", "phone", "is_active",
    "is_staff", "is_superuser", "groups", "user_permissions",
})
GROUP_FIELDS = frozenset({"name", "permissions"})
_M2M = ("groups", "user_permissions")
ROLE_NAMES = frozenset(role.value for role in Role)


def _locked(model, obj):
    """`obj` read again under its row lock (a request's lazy user object included)."""
    return for_update(model._default_manager.all()).get(pk=obj.pk)


def _refuse_unknown(fields: dict, allowed: frozenset[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})


@unit_of_work
def user_create(*, actor, username: str, password: str | None = None,
                groups: Iterable[Group] = (), user_permissions: Iterable[Permission] = (),
                **fields) -> User:
    """A new account; without a password it cannot sign in until one is set or reset."""
    _refuse_unknown(fields, USER_FIELDS - set(_M2M))
    user = User(username=username, **fields)
    if password is None:
        user.set_unusable_password()
    else:
        password_validation.validate_password(password, user)
        user.set_password(password)
    user.full_clean()
    user.save()
    if groups:
        user.groups.set(groups)
    if user_permissions:
        user.user_permissions.set(user_permissions)
    record_user(user, action="portal.user.created", actor=actor)
    return user


@unit_of_work
def user_update(*, user: User, actor, fields: dict,
                action: str = "portal.user.updated") -> User:
    """Apply `fields` (USER_FIELDS; `groups` and `user_permissions` as iterables of rows).
    A change that changes nothing journals nothing; deactivation ends the user's tokens."""
    _refuse_unknown(fields, USER_FIELDS)
    current = _locked(User, user)
    before = user_data(current)
    was_active = current.is_active
    columns = {name: value for name, value in fields.items() if name not in _M2M}
    for name, value in columns.items():
        setattr(current, name, value)
    if columns:
        current.full_clean()
        current.save(update_fields=list(columns))
    for name in _M2M:
        if name in fields:
            getattr(current, name).set(list(fields[name]))
    current.forget_roles()
    if user_data(current) == before:
        return current
    record_user(current, action=action, actor=actor, before=before)
    if was_active and not current.is_active:
        tokens.user_tokens_revoke(user=current, actor=actor, reason=tokens.Reason.DEACTIVATED)
    return current


def user_set_groups(*, user: User, groups: Iterable[Group], actor) -> User:
    """Give `user` exactly these roles (groups)."""
    return user_update(user=user, actor=actor, fields={"groups": list(groups)},
                       action="portal.user.groups_changed")


def user_deactivate(*, user: User, actor) -> User:
    return user_update(user=user, actor=actor, fields={"is_active": False},
                       action="portal.user.deactivated")


@unit_of_work
def user_set_password(*, user: User, password: str | None, actor,
                      keep: ApiToken | None = None,
                      action: str = "portal.user.password_changed") -> User:
    """Set (or, with None, disable) the password; every API token of the user but `keep`
    ends. The caller's `user` object gets the new hash, so a view that keeps the current
    session (`update_session_auth_hash`) keeps it valid; every other session of the user
    ends, as their session hash no longer matches."""
    current = _locked(User, user)
    if password is None:
        current.set_unusable_password()
    else:
        password_validation.validate_password(password, current)
        current.set_password(password)
    current.save(update_fields=["password"])
    user.password = current.password
    record_user(current, action=action, actor=actor, data={"username": current.username})
    tokens.user_tokens_revoke(user=current, actor=actor, keep=keep,
                              reason=tokens.Reason.PASSWORD_CHANGED)
    return current


def _untracked_dependants(obj) -> list[str]:
    """Tracked rows a deletion of `obj` would take with it, which no service would journal."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])  # raises ProtectedError for protected references
    found = {model._meta.verbose_name_plural for model, rows in collector.data.items()
             if rows and model is not type(obj) and model is not ApiToken
             and tracking.is_tracked(model)}
    found |= {queryset.model._meta.verbose_name_plural for queryset in collector.fast_deletes
              if queryset.model is not ApiToken and tracking.is_tracked(queryset.model)
              and queryset.exists()}
    return sorted(str(name) for name in found)


@unit_of_work
def user_delete(*, user: User, actor) -> None:
    """Delete an account that has done nothing journaled and owns nothing tracked;
    otherwise deactivate it (user_deactivate)."""
    current = _locked(User, user)
    try:
        dependants = _untracked_dependants(current)
    except ProtectedError:
        dependants = [str(JournalEntry._meta.verbose_name_plural)]
    if dependants:
        raise ValidationError(_(
            "%(user)s cannot be deleted: it still has %(rows)s. Deactivate the account instead."
        ) % {"user": current.get_username(), "rows": ", ".join(dependants)})
    tokens.user_tokens_revoke(user=current, actor=actor, reason=tokens.Reason.REVOKED)
    data, object_id = user_data(current), current.pk
    current.delete()
    current.pk = object_id  # for the event's id
    record_user(current, action="portal.user.deleted", actor=actor, data=data)


# --- groups (roles) and their permissions ------------------------------------------------------


@unit_of_work
def group_create(*, actor, name: str, permissions: Iterable[Permission] = ()) -> Group:
    group = Group(name=name)
    group.full_clean()
    group.save()
    if permissions:
        group.permissions.set(permissions)
    record_group(group, action="auth.group.created", actor=actor)
    return group


@unit_of_work
def group_update(*, group: Group, actor, fields: dict,
                 action: str = "auth.group.updated") -> Group:
    """Rename a group or set its permissions. The roles' groups keep their names: the code
    knows each role by it."""
    _refuse_unknown(fields, GROUP_FIELDS)
    current = _locked(Group, group)
    before = group_data(current)
    if "name" in fields and fields["name"] != current.name:
        if current.name in ROLE_NAMES:
            raise ValidationError({"name": _("A role's group keeps its name.")})
        current.name = fields["name"]
        current.full_clean()
        current.save(update_fields=["name"])
    if "permissions" in fields:
        current.permissions.set(list(fields["permissions"]))
    if group_data(current) == before:
        return current
    record_group(current, action=action, actor=actor, before=before)
    return current


def group_set_permissions(*, group: Group, permissions: Iterable[Permission], actor) -> Group:
    """Give the group exactly these permissions."""
    return group_update(group=group, actor=actor, fields={"permissions": list(permissions)},
                        action="auth.group.permissions_changed")


@unit_of_work
def group_delete(*, group: Group, actor) -> None:
    """Delete a group that is not a role's; its members lose it, journaled for each."""
    current = _locked(Group, group)
    if current.name in ROLE_NAMES:
        raise ValidationError(_("A role's group cannot be deleted."))
    members = list(User.objects.filter(groups=current).order_by("pk"))
    befores = [user_data(member) for member in members]
    data, object_id = group_data(current), str(current.pk)
    current.delete()
    record_group(current, action="auth.group.deleted", actor=actor, object_id=object_id,
                 data=data)
    for member, before in zip(members, befores, strict=True):
        member.forget_roles()
        record_user(member, action="portal.user.groups_changed", actor=actor, before=before)
