"""Every registered admin model × every role, in scope and out, against the scope table.

Models are read from `admin.site._registry`, so a new admin model is covered (and fails,
naming what to add) without editing this file. Each role's A-side user is staff here; the
B-side users are not, and every admin page sends them (and anonymous) to the admin's
sign-in. Per model and role, as the table (`scope_table.py`) says:

- changelist: 200 listing exactly the rows the role reads, or 403 without view/change;
- change view GET: 200 for a row the role reads; a row it does not read redirects to the
  admin index with Django's "doesn't exist" warning (302), as for a deleted one; 403
  without the permission;
- change POST of one bound field: saved (the row re-read shows it) with a journal entry
  about the row, or refused with an error message and the row unchanged; never "changed"
  with the edit dropped; 403 where the role or the admin may not change; out of scope
  the index redirect, the row unchanged;
- add (GET, POST): 200 and the new row journaled, or 403;
- delete (GET confirmation, POST): gone and journaled, or refused (protected rows, a
  service's message), or 403; out of scope the index redirect;
- each action: with the permission, on a row the role reads, something is journaled;
  otherwise nothing is;
- export: the rows the role reads, and no other; journaled as an export.
"""

from __future__ import annotations

import pytest
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from portal.models import JournalEntry, User

from . import code_answers
from .admin_forms import form_data
from .conftest import COUNTS, undone
from .scope_table import (
    ADMIN_ACTIONS,
    ADMIN_DEFECTS,
    ADMIN_OFFERS,
    ALL,
    NEVER_CHANGED,
    ROLES,
    defect,
    expected,
)
from .world import person

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)

# The field a change POST edits, per model (a text field a bound service changes).
FIELD_TO_EDIT = {
    "enterprises.district": "name",  # issue 8 §2: was answered "changed" and dropped
    "enterprises.spectrum": "description",
    "enterprises.enterprise": "contact_name",  # a contact detail (DESIGN §7)
    "enterprises.membership": "title",  # issue 8 §2: was answered "changed" and dropped
    "liaisons.assignment": "note",
    "filings.negativelist": "title",
    "portal.user": "first_name",
    "auth.group": "name",
    "liaisons.helprequest": "title",  # the enterprise's wording, while open
    "liaisons.policynote": "source",
    "liaisons.visit": "findings",
    "liaisons.task": "title",
}
# The row a change or delete tries first, where the table's first would not do.
PREFERRED = {
    "filings.negativelist": "negative_list_draft",
    "portal.user": "member_a",
    "liaisons.visit": "visit_a",  # a site visit (a confirmation visit is read-only)
}


def _add_data(world, label: str) -> dict[str, str]:
    """A valid add form per model (the page's own fields fill the rest)."""
    objects, people = world.objects, world.people
    from tests.enterprises.factories import credit_code

    builders = {
        "enterprises.district": lambda: {
            "code": "330109", "name": "萧山区", "level": "county", "parent": "330100",
        },
        "enterprises.spectrum": lambda: {"name": "C 谱系", "district": objects["district_a"].pk},
        "enterprises.enterprise": lambda: {
            "credit_code": credit_code(), "name": "杭州新增企业有限公司",
            "legal_representative": "王伟", "industry": "6513",
            "district": objects["district_a"].pk, "address": "杭州市钱塘区1号",
            "contact_name": "王伟", "contact_phone": "13912345678", "employee_count": "10",
        },
        "enterprises.membership": lambda: {
            "user": people["member_left"].pk, "enterprise": objects["enterprise_a"].pk,
            "title": "出纳",
        },
        "enterprises.jurisdiction": lambda: {
            "user": people["labor_officer_a"].pk, "district": objects["district_b"].pk,
        },
        "liaisons.assignment": lambda: {
            "official": people["liaison_b"].pk, "kind": "resident_officer",
            "enterprise": objects["enterprise_a"].pk, "active_from": "2020-02-03",
        },
        "filings.negativelist": lambda: {"title": "第三版"},
        "portal.user": lambda: {
            "username": "world-new-user", "usable_password": "true",
            "password1": "Correct-Horse-42-new", "password2": "Correct-Horse-42-new",
        },
        "auth.group": lambda: {"name": "新角色"},
        "liaisons.helprequest": lambda: {
            "enterprise": objects["enterprise_a"].pk, "category": "labor",
            "priority": "high", "title": "缺操作工 20 人",
        },
        "liaisons.task": lambda: {
            "enterprise": objects["enterprise_a"].pk, "title": "补充测温记录",
            "due_date": "2099-01-01", "owner": "enterprise", "source": "meeting",
            "meeting": "复工协调会",
        },
        "liaisons.visit": lambda: {
            "enterprise": objects["enterprise_a"].pk, "findings": "门岗测温到位",
            "visited_at_0": "2020-02-20", "visited_at_1": "10:00:00",
        },
        "liaisons.policynote": lambda: {
            "title": "稳岗返还", "text": "对不裁员或少裁员的企业返还失业保险费。",
            "source": "浙政办发〔2020〕6号", "valid_from": "2020-02-10",
        },
    }
    assert label in builders, (
        f"{label}: the admin offers add; give the matrix a valid add form in "
        "tests/api_contract/test_admin_matrix.py:_add_data"
    )
    return {name: str(value) for name, value in builders[label]().items()}


# What an action that asks for confirmation (and a note) is answered on its second page.
ACTION_FORMS = {
    "assign_to_me": lambda world: {"confirm": "yes"},
    "start": lambda world: {"confirm": "yes"},
    "release": lambda world: {"confirm": "yes", "reason": "转回待分配"},
    "resolve": lambda world: {"confirm": "yes", "resolution": "已调拨口罩"},
    "reassign": lambda world: {"confirm": "yes", "assignee": world.people["liaison_a"].pk},
    "close": lambda world: {"confirm": "yes"},
    "verify": lambda world: {"confirm": "yes"},
}
# Per action, the row it is tried on (a row it changes).
ACTION_TARGETS = {
    "publish": "negative_list_draft",
    "copy_as_draft": "negative_list_published",
    "approve_review": "filing_b",  # held for review
    "revoke_api_tokens": "member_a",
    "assign_to_me": "help_request_a",
    "start": "help_request_a",
    "resolve": "help_request_a",
    "reassign": "help_request_a",
    "release": "help_request_a",
    "close": "task_a",
    "verify": "task_a",
}


@pytest.fixture(scope="module")
def staff(shared_world):
    """A-side users are staff, B-side ones are not; the journal has been verified (a
    verification and an anchor) and signed (a checkpoint). Rolled back with the world."""
    from portal import checkpoints
    from portal.audit.services import journal_verification_run

    for name, user in shared_world.people.items():
        user.is_staff = name.endswith("_a")
        User.objects.filter(pk=user.pk).update(is_staff=user.is_staff)
    assert journal_verification_run().ok
    checkpoints.checkpoint_create()
    return shared_world


def _url(model, view: str, *args) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def _head() -> int:
    return JournalEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _entries_about(label: str, pk, after: int):
    return JournalEntry.objects.filter(seq__gt=after, object_type=label, object_id=str(pk))


def _messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in get_messages(response.wsgi_request)]


def _is_index_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


class Check:
    """Collects what differs from the table, one line per request."""

    def __init__(self, label: str, role: str):
        self.label, self.role, self.failures = label, role, []

    def __call__(self, what: str, ok: bool, detail: str = "") -> None:
        COUNTS["admin matrix: cases (model × role × view, in and out of scope)"] += 1
        if not ok:
            self.failures.append(f"{self.role}: {what}{': ' + detail if detail else ''}")


def _subjects(world, model, reads, label):
    """(row the role reads, row it does not read), each None when there is none."""
    manager = model._default_manager
    if reads == ALL:
        return manager.order_by("pk").first(), None
    pks = list(manager.order_by("pk").values_list("pk", flat=True))
    inside = [pk for pk in pks if world.name_of(model, pk) in reads]
    outside = [pk for pk in pks if world.name_of(model, pk) not in reads]
    preferred = PREFERRED.get(label)
    inside.sort(key=lambda pk: world.name_of(model, pk) != preferred)
    outside.sort(key=lambda pk: world.name_of(model, pk) is None)
    return (manager.get(pk=inside[0]) if inside else None,
            manager.get(pk=outside[0]) if outside else None)


def _edit(model, obj, name: str, data: dict[str, list[str]]) -> str:
    assert name in data, (
        f"{model._meta.label_lower}: the change form has no editable {name!r} "
        f"(it shows {sorted(data)}); name another bound field in FIELD_TO_EDIT"
    )
    value = f"{getattr(obj, name)}（改）"
    data[name] = [value]
    return value


def _change(client, check, world, model, label, row, obj, inside: bool):
    url = _url(model, "change", quote(obj.pk))
    can_view = bool(row.may & {"view", "change"})
    name = world.name_of(model, obj.pk) or f"pk {obj.pk}"
    where = f"{name} ({'in' if inside else 'out of'} scope)"
    with undone():
        page = client.get(url)
        if not can_view:
            check(f"change GET {where}", page.status_code == 403, f"{page.status_code}")
        elif inside:
            check(f"change GET {where}", page.status_code == 200, f"{page.status_code}")
        else:
            check(f"change GET {where}", _is_index_redirect(page),
                  f"{page.status_code} {page.get('Location', '')}")
    offers = ADMIN_OFFERS[label]
    may_change = ("change" in row.may and "change" in offers
                  and world.name_of(model, obj.pk) not in NEVER_CHANGED)
    with undone():
        data = form_data(page.content.decode()) if page.status_code == 200 else {}
        field = FIELD_TO_EDIT.get(label)
        value = None
        if may_change and inside:
            assert field, f"{label}: the admin changes it; name a field in FIELD_TO_EDIT"
            value = _edit(model, obj, field, data)
        before, version = _head(), getattr(obj, "version", None)
        response = client.post(url, data)
        fresh = model._default_manager.get(pk=obj.pk)
        unchanged = field is None or getattr(fresh, field) == getattr(obj, field)
        if not inside and can_view and "change" in row.may and "change" in offers:
            check(f"change POST {where}", _is_index_redirect(response) and unchanged,
                  f"{response.status_code}, unchanged={unchanged}")
        elif not (may_change and inside):
            check(f"change POST {where}", response.status_code == 403 and unchanged,
                  f"{response.status_code}, unchanged={unchanged}")
        else:
            saved = getattr(fresh, field) == value
            errors = [text for level, text in _messages(response) if level >= messages.ERROR]
            form_errors = response.status_code == 200 and bool(
                response.context and response.context.get("errors"))
            journaled = _entries_about(label, obj.pk, before).exists()
            if saved:
                check(f"change POST {where} saved", response.status_code == 302 and journaled
                      and (version is None or fresh.version == version + 1),
                      f"{response.status_code}, journaled={journaled}")
            else:
                check(f"change POST {where} refused", unchanged and (errors or form_errors),
                      f"{response.status_code}, the edit of {field} was neither saved nor "
                      f"refused with a message (messages {_messages(response)})")


def _delete(client, check, world, model, label, row, obj, inside: bool):
    url = _url(model, "delete", quote(obj.pk))
    offers = ADMIN_OFFERS[label]
    name = world.name_of(model, obj.pk) or f"pk {obj.pk}"
    where = f"{name} ({'in' if inside else 'out of'} scope)"
    permitted = "delete" in row.may and "delete" in offers
    may_delete = permitted and name not in NEVER_CHANGED
    with undone():
        page = client.get(url)
        if not inside and permitted:
            check(f"delete GET {where}", _is_index_redirect(page), f"{page.status_code}")
        elif not may_delete:
            check(f"delete GET {where}", page.status_code == 403, f"{page.status_code}")
        else:
            check(f"delete GET {where}", page.status_code == 200, f"{page.status_code}")
    with undone():
        before = _head()
        response = client.post(url, {"post": "yes"})
        exists = model._default_manager.filter(pk=obj.pk).exists()
        if not inside and permitted:
            check(f"delete POST {where}", _is_index_redirect(response) and exists,
                  f"{response.status_code}, exists={exists}")
        elif not may_delete:
            check(f"delete POST {where}", response.status_code == 403 and exists,
                  f"{response.status_code}, exists={exists}")
        elif not exists:
            check(f"delete POST {where} deleted", response.status_code == 302
                  and _entries_about(label, obj.pk, before).exists(),
                  f"{response.status_code}, not journaled")
        else:
            protected = response.status_code == 200 and bool(
                response.context and response.context.get("protected"))
            errors = [text for level, text in _messages(response) if level >= messages.ERROR]
            check(f"delete POST {where} refused", protected or bool(errors),
                  f"{response.status_code}: kept without a reason shown")


def _add(client, check, world, model, label, row):
    url = _url(model, "add")
    may_add = "add" in row.may and "add" in ADMIN_OFFERS[label]
    with undone():
        page = client.get(url)
        check("add GET", page.status_code == (200 if may_add else 403), f"{page.status_code}")
    with undone():
        before = _head()
        existing = set(model._default_manager.values_list("pk", flat=True))
        data = form_data(page.content.decode()) if page.status_code == 200 else {}
        if may_add:
            data.update({name: [value] for name, value in _add_data(world, label).items()})
        response = client.post(url, data)
        added = set(model._default_manager.values_list("pk", flat=True)) - existing
        if not may_add:
            check("add POST", response.status_code == 403 and not added,
                  f"{response.status_code}, added {sorted(added)}")
            return
        if added:
            check("add POST created", response.status_code == 302 and len(added) == 1
                  and _entries_about(label, added.pop(), before).exists(),
                  f"{response.status_code}, added {sorted(added)}, not journaled")
        else:
            form_errors = response.status_code == 200 and bool(
                response.context and response.context.get("errors"))
            errors = [text for level, text in _messages(response) if level >= messages.ERROR]
            check("add POST refused", form_errors or bool(errors),
                  f"{response.status_code}: nothing added and no reason shown")


def _actions(client, check, world, model, label, row, model_admin):
    names = [name for name in (model_admin.actions or ()) if isinstance(name, str)]
    unknown = sorted(set(names) - set(ADMIN_ACTIONS.get(label, {})))
    assert not unknown, (
        f"{label}: admin actions {unknown} are not in the table: add them to "
        "scope_table.ADMIN_ACTIONS with the permission each needs, and a target row to "
        "ACTION_TARGETS here"
    )
    actions = dict(ADMIN_ACTIONS.get(label, {}))
    if "delete" in ADMIN_OFFERS[label]:
        actions["delete_selected"] = "delete"
    can_view = bool(row.may & {"view", "change"})
    for action, needs in sorted(actions.items()):
        target_name = ACTION_TARGETS.get(action)
        if action == "delete_selected":
            inside, outside = _subjects(world, model, row.reads, label)
            targets = [obj for obj in (inside, outside) if obj is not None]
        else:
            assert target_name, f"{label}: no target row for the action {action!r}"
            targets = [world.get(target_name)]
        for obj in targets:
            name = world.name_of(model, obj.pk) or f"pk {obj.pk}"
            reads = row.reads == ALL or name in row.reads
            # A published version is never changed (copying it is no change of it).
            effect = (can_view and needs in row.may and reads
                      and (needs == "add" or name not in NEVER_CHANGED))
            with undone():
                before = _head()
                response = client.post(_url(model, "changelist"), {
                    "action": action, "_selected_action": [obj.pk], "index": "0",
                    "post": "yes", **ACTION_FORMS.get(action, lambda w: {})(world),
                })
                changed = JournalEntry.objects.filter(seq__gt=before).exclude(
                    op=JournalEntry.Op.EVENT, object_type__in=["portal.export"]
                ).exclude(action__startswith="portal.audit").exists()
                what = f"action {action} on {name}"
                if not can_view:
                    check(what, response.status_code == 403 and not changed,
                          f"{response.status_code}, changed={changed}")
                elif effect:
                    protected = response.status_code == 200 and bool(
                        response.context and response.context.get("protected"))
                    check(what, (response.status_code == 302 and changed) or protected,
                          f"{response.status_code}, journaled={changed}")
                else:
                    check(what, response.status_code in (200, 302) and not changed,
                          f"{response.status_code}, changed={changed}")


def _export(client, check, world, model, label, row):
    if "export" not in ADMIN_OFFERS[label]:
        return
    url = _url(model, "export")
    can_view = "view" in row.may
    with undone():
        page = client.get(url)
        check("export GET", page.status_code == (200 if can_view else 403), f"{page.status_code}")
    with undone():
        before = _head()
        response = client.post(url, {"format": "0", "resource": "0", **{
            f"{model_admin_resource(model)}_{name}": "on" for name in ("id", "credit_code")
        }})
        if not can_view:
            check("export POST", response.status_code == 403, f"{response.status_code}")
            return
        content = response.content.decode("utf-8-sig")
        shown = {name for name, obj in world.objects.items()
                 if isinstance(obj, model) and getattr(obj, "credit_code", None) in content}
        want = set(world.objects) & set(row.reads) if row.reads != ALL else shown
        journaled = JournalEntry.objects.filter(seq__gt=before, object_type="portal.export",
                                                object_id=label).exists()
        check("export POST", response.status_code == 200 and shown == want and journaled,
              f"{response.status_code}, exported {sorted(shown)}, the table says "
              f"{sorted(want)}, journaled={journaled}")


def model_admin_resource(model) -> str:
    resource = admin.site._registry[model].get_export_resource_classes(None)[0]
    return resource.__name__.lower()


def _changelist(client, check, world, model, row):
    can_view = bool(row.may & {"view", "change"})
    response = client.get(_url(model, "changelist"))
    if not can_view:
        check("changelist", response.status_code == 403, f"{response.status_code}")
        return
    if response.status_code != 200:
        check("changelist", False, f"{response.status_code}")
        return
    listed = code_answers.in_full(world, model, world.named(
        model, response.context["cl"].queryset.values_list("pk", flat=True)
    ))
    want = code_answers.in_full(world, model, row.reads)
    check("changelist", listed == want, f"lists {_show(listed)}, the table says {_show(want)}")


def _show(names):
    return names if isinstance(names, str) else sorted(names)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label_lower)
def test_admin_answers_each_role_as_the_scope_table_says(staff, model, role):
    world = staff
    label = model._meta.label_lower
    assert label in ADMIN_OFFERS, (
        f"{label} is registered in the admin but not in scope_table.ADMIN_OFFERS: say what "
        "the admin offers for it"
    )
    row = expected(person(role, "a"), role, label)
    assert row is not None, f"{label} is missing from the scope table for {role}"
    model_admin = admin.site._registry[model]
    client = Client()
    client.force_login(world.people[person(role, "a")])
    check = Check(label, role)

    _changelist(client, check, world, model, row)
    inside, outside = _subjects(world, model, row.reads, label)
    assert inside or outside, f"{label}: the world has no row; add one to world.py (or to "
    "the `staff` fixture here)"
    for obj, scoped in ((inside, True), (outside, False)):
        if obj is not None:
            _change(client, check, world, model, label, row, obj, scoped)
            _delete(client, check, world, model, label, row, obj, scoped)
    _add(client, check, world, model, label, row)
    _actions(client, check, world, model, label, row, model_admin)
    _export(client, check, world, model, label, row)

    if check.failures:
        known = defect(role, label) or ADMIN_DEFECTS.get((role, label))
        if known:
            pytest.xfail(f"{known}\n" + "\n".join(check.failures))
    assert not check.failures, f"{label}:\n" + "\n".join(check.failures)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label_lower)
def test_admin_sends_non_staff_and_anonymous_to_its_sign_in(staff, model):
    world = staff
    login = reverse("admin:login")
    failures = []
    for name in [None, "member_b", "liaison_b", "inspector_b", "admin_b"]:
        client = Client()
        if name:
            client.force_login(world.people[name])
        for url in (_url(model, "changelist"), _url(model, "add")):
            response = client.get(url)
            COUNTS["admin matrix: cases (model × role × view, in and out of scope)"] += 1
            if not (response.status_code == 302 and response["Location"].startswith(login)):
                failures.append(f"{name or 'anonymous'}: GET {url}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_admin_saves_a_district_name_and_a_membership_title(staff):
    """Issue 8 §2: both edits were answered "changed" and dropped."""
    world = staff
    client = Client()
    client.force_login(world.people["admin_a"])
    edits = (("district_a", "name", "钱塘新区"), ("membership_a", "title", "总监"))
    for name, field, value in edits:
        obj = world.objects[name]
        url = _url(type(obj), "change", quote(obj.pk))
        data = form_data(client.get(url).content.decode())
        assert field in data, f"{name}: {field} is read-only in the admin"
        data[field] = [value]
        before = _head()
        response = client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        assert getattr(fresh, field) == value
        entry = _entries_about(type(obj)._meta.label_lower, obj.pk, before).get()
        assert entry.changes[field] == [getattr(obj, field), value]


def test_fields_no_service_changes_are_read_only_in_the_admin(staff):
    """A district's code, a jurisdiction's user and district: shown, not editable."""
    world = staff
    client = Client()
    client.force_login(world.people["admin_a"])
    district = world.objects["district_a"]
    page = client.get(_url(type(district), "change", quote(district.pk)))
    fields = set(form_data(page.content.decode()))
    assert "code" not in fields and {"name", "risk_level"} <= fields
    assert district.code in page.content.decode()  # shown as text
    jurisdiction = world.objects["jurisdiction_labor_officer_a"]
    page = client.get(_url(type(jurisdiction), "change", quote(jurisdiction.pk)))
    assert page.status_code == 200
    assert not {"user", "district"} & set(form_data(page.content.decode()))
    assert jurisdiction.district.name in page.content.decode()
