"""A user's roles (groups) and model permissions, read in one query per request.

Django's ModelBackend reads a user's own permissions and their groups' permissions with a
query each, and `User.roles` read the group names with a third, on every request. `load()`
reads all three at once and keeps them on the user object, in the attributes where
ModelBackend looks for its caches, so `has_perm`, `has_perms`, `get_all_permissions` and
`has_role` all answer from that one read for as long as the object lives (one request;
`User.forget_roles()` after changing them on the same object). The query returns permission
ids; their "app_label.codename" names are reference rows, kept per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.models import Group, Permission
from django.db import connections, router


@dataclass(frozen=True)
class Access:
    """A user's group names and permission names ("app_label.codename")."""

    groups: frozenset[str]
    user_permissions: frozenset[str]
    group_permissions: frozenset[str]


@cache
def _sql(user_model) -> str:
    """Group names with their permissions' ids, then the user's own permissions' ids."""
    q = connections[router.db_for_read(user_model)].ops.quote_name
    groups = user_model._meta.get_field("groups")
    own = user_model._meta.get_field("user_permissions")
    group_perms = Group._meta.get_field("permissions")
    return (
        f"SELECT g.{q('name')}, gp.{q(group_perms.m2m_reverse_name())}"
        f" FROM {q(groups.remote_field.through._meta.db_table)} ug"
        f" INNER JOIN {q(Group._meta.db_table)} g"
        f" ON g.{q(Group._meta.pk.column)} = ug.{q(groups.m2m_reverse_name())}"
        f" LEFT JOIN {q(group_perms.remote_field.through._meta.db_table)} gp"
        f" ON gp.{q(group_perms.m2m_column_name())} = g.{q(Group._meta.pk.column)}"
        f" WHERE ug.{q(groups.m2m_column_name())} = %s"
        " UNION ALL"
        f" SELECT NULL, up.{q(own.m2m_reverse_name())}"
        f" FROM {q(own.remote_field.through._meta.db_table)} up"
        f" WHERE up.{q(own.m2m_column_name())} = %s"
    )


# "app_label.codename" of every permission by id. Permissions are reference rows written by
# `migrate`, not changed afterwards; an id the process has not seen (a migration run by
# another process) makes it read them all again, and `migrate` or `flush` here empties it.
_permission_names: dict[int, str] = {}


def forget_permissions(**_kwargs) -> None:
    _permission_names.clear()


def _names(ids: set[int]) -> dict[int, str]:
    if not ids <= _permission_names.keys():
        rows = Permission.objects.values_list("pk", "content_type__app_label", "codename")
        _permission_names.clear()
        _permission_names.update({pk: f"{app}.{codename}" for pk, app, codename in rows})
    return _permission_names


def load(user) -> Access:
    """The user's groups and permissions, read once per user object.

    Also fills ModelBackend's permission caches, except for superusers, whose permissions
    ModelBackend gives as every permission there is.
    """
    access = user.__dict__.get("_access")
    if access is not None:
        return access
    model = type(user)
    groups, own, from_groups = set(), set(), set()
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(_sql(model), [user.pk, user.pk])
        rows = cursor.fetchall()
    names = _names({permission for _group, permission in rows if permission is not None})
    for group, permission in rows:
        if group is not None:
            groups.add(group)
        name = names.get(permission)
        if name is not None:  # (None: no permission, or one deleted meanwhile)
            (from_groups if group is not None else own).add(name)
    access = Access(frozenset(groups), frozenset(own), frozenset(from_groups))
    user._access = access
    if not user.is_superuser:
        user._user_perm_cache = set(own)
        user._group_perm_cache = set(from_groups)
        user._perm_cache = own | from_groups
    return access
