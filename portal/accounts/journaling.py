"""How changes of accounts appear in the journal: as events of `portal.user` and `auth.group`.

Accounts are not tracked objects (`portal.tracking`): users and groups are also made by
`createsuperuser`, by migrations (the roles' groups) and by test factories, none of which
journals, so reconciliation could not tell those from a row written behind the services'
back. Their changes are journaled as events instead: who changed which account, when,
from where and what (each field before → after; for lists of groups or permissions, what
was added and removed). They show in the inspectors' audit with the object's timeline, and
stay out of the sync feed. No password hash and no token secret is ever part of them.
"""

from __future__ import annotations

from portal import journal
from portal.masking import mask_phone

USER_TYPE = "portal.user"
GROUP_TYPE = "auth.group"
_LISTS = frozenset({"groups", "user_permissions", "permissions"})


def mask_email(value: str | None) -> str | None:
    if not value or "@" not in value:
        return value
    local, _at, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _permission_names(permissions) -> list[str]:
    return sorted(f"{app}.{codename}" for app, codename in
                  permissions.values_list("content_type__app_label", "codename"))


def user_data(obj) -> dict:
    """A user as the journal keeps it: personal data masked, never the password."""
    return {
        "id": obj.pk,
        "username": obj.username,
        "first_name": obj.first_name,
        "last_name": obj.last_name,
        "display_name": obj.display_name,
        "email": mask_email(obj.email),
        "phone": mask_phone(obj.phone),
        "is_active": obj.is_active,
        "is_staff": obj.is_staff,
        "is_superuser": obj.is_superuser,
        "groups": sorted(obj.groups.values_list("name", flat=True)),
        "user_permissions": _permission_names(obj.user_permissions),
    }


def group_data(obj) -> dict:
    return {"id": obj.pk, "name": obj.name, "permissions": _permission_names(obj.permissions)}


def changes(before: dict, after: dict) -> dict:
    """Each changed field: [before, after]; a list field: what was added and removed."""
    found = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in _LISTS:
            found[name] = {
                "added": sorted(set(new or ()) - set(old or ())),
                "removed": sorted(set(old or ()) - set(new or ())),
            }
        else:
            found[name] = [old, new]
    return found


def record_user(user, *, action: str, actor, before: dict | None = None,
                data: dict | None = None) -> None:
    """An event about `user`: its state (created, deleted), what changed (with `before`),
    or only its name (a password changed)."""
    if data is None:
        data = ({"username": user.username, "changes": changes(before, user_data(user))}
                if before is not None else user_data(user))
    journal.record_event(action=action, actor=actor, object_type=USER_TYPE,
                         object_id=str(user.pk), data=data)


def record_group(group, *, action: str, actor, before: dict | None = None,
                 object_id: str | None = None, data: dict | None = None) -> None:
    if data is None:
        data = ({"name": group.name, "changes": changes(before, group_data(group))}
                if before is not None else group_data(group))
    journal.record_event(action=action, actor=actor, object_type=GROUP_TYPE,
                         object_id=object_id or str(group.pk), data=data)
