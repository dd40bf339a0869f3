"""Every editable field, in the API and in the admin, is bound to a service (DESIGN §3).

An API write serializer's fields (create and update) are among the fields the model's
bound services take (`portal.tracking.track(..., writes=...)`), and a route that creates,
changes or deletes has a service bound for it; every editable field of an admin change or
add form (and of its inlines) is bound, or the form shows it read-only. So no edit can be
accepted and then silently dropped. Resources and admins are read from the router and the
admin site: new ones are checked without editing this file.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from rest_framework import serializers

from portal import tracking
from portal.accounts import services as account_services
from portal.admin import ReadOnlyAdmin, TrackedAdmin
from portal.api import urls as api_urls

pytestmark = pytest.mark.django_db

# Admins outside TrackedAdmin that change rows, and the fields their services take.
ACCOUNT_FIELDS = {
    "portal.user": account_services.USER_FIELDS,
    "auth.group": account_services.GROUP_FIELDS,
}


def _writable(serializer) -> set[str]:
    """The input names a write serializer accepts, nested objects flattened into their
    own fields (`measures` → `screening`, ...), as the services take them."""
    names = set()
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.Serializer):
            names |= {child for child, inner in field.fields.items() if not inner.read_only}
        else:
            names.add(field.source if field.source and field.source != "*" else name)
    return names


def _model_fields(model) -> set[str]:
    return {field.name for field in model._meta.get_fields()
            if getattr(field, "editable", False) and not field.auto_created
            and (field.concrete or field.many_to_many)}


def _serializer_for(viewset, action: str):
    """The serializer class the viewset validates `action`'s body with."""
    view = viewset()
    view.action, view.request, view.format_kwarg = action, None, None
    return view.get_serializer_class()


def _routes():
    for prefix, viewset, _basename in api_urls.router.registry:
        if getattr(viewset, "write_serializer_class", None) is not None:
            yield pytest.param(viewset, id=prefix)


@pytest.mark.parametrize("viewset", list(_routes()))
def test_api_write_fields_are_bound_to_services(viewset):
    model = viewset.queryset.model
    spec = tracking.spec_for(model)
    methods = set(viewset.http_method_names)
    problems = []
    if hasattr(viewset, "create") and "post" in methods:
        if spec.writes.create is None:
            problems.append("POST creates, but no create service is bound")
        bound = spec.writes.create_fields or _model_fields(model)
        unbound = _writable(_serializer_for(viewset, "create")(context={})) - bound
        if unbound:
            problems.append(f"create takes {sorted(unbound)}, which the create service does "
                            f"not ({sorted(bound)})")
    if hasattr(viewset, "update") and methods & {"put", "patch"}:
        if not spec.writes.update:
            problems.append("PUT/PATCH change it, but no update service is bound")
        serializer = _serializer_for(viewset, "partial_update")(model(), context={})
        unbound = _writable(serializer) - spec.writes.updatable
        if unbound:
            problems.append(f"update takes {sorted(unbound)}, which no bound service changes "
                            f"({sorted(spec.writes.updatable)})")
    if hasattr(viewset, "destroy") and "delete" in methods and spec.writes.delete is None:
        problems.append("DELETE deletes, but no delete service is bound")
    assert not problems, f"{model._meta.label}: " + "; ".join(problems)


def _admins():
    for model, model_admin in sorted(admin.site._registry.items(),
                                     key=lambda item: item[0]._meta.label_lower):
        yield pytest.param(model, model_admin, id=model._meta.label_lower)


def _editable(form_class, readonly, model) -> set[str]:
    """The model fields the form edits. (A form's own extra fields, such as an upload of
    photos or a password, are the admin's to handle and are not model edits.)"""
    names = {field.name for field in model._meta.get_fields()}
    return {name for name, field in form_class.base_fields.items()
            if not field.disabled and name not in readonly and name in names}


@pytest.fixture
def request_of_admin(shared_world):
    request = RequestFactory().get("/admin/")
    request.user = shared_world.people["admin_a"]
    return request


@pytest.mark.parametrize(("model", "model_admin"), list(_admins()))
def test_admin_form_fields_are_bound_or_read_only(model, model_admin, request_of_admin):
    request = request_of_admin
    label = model._meta.label_lower
    if isinstance(model_admin, ReadOnlyAdmin):
        assert not (model_admin.has_add_permission(request)
                    or model_admin.has_change_permission(request)
                    or model_admin.has_delete_permission(request))
        return
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"{label}: the world has no row to open a change form on"
    if not (model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request, obj)):
        return  # nothing is edited here (API tokens are only revoked)
    problems = []
    if isinstance(model_admin, TrackedAdmin):
        writes = tracking.spec_for(model).writes
        change_bound = writes.updatable
        add_bound = writes.create_fields or _model_fields(model)
    else:
        assert label in ACCOUNT_FIELDS, (
            f"{label}: its admin is no TrackedAdmin; say which fields its services take in "
            "ACCOUNT_FIELDS here, or derive it from TrackedAdmin"
        )
        change_bound = add_bound = ACCOUNT_FIELDS[label]
    if model_admin.has_change_permission(request, obj):
        form = model_admin.get_form(request, obj, change=True)
        readonly = model_admin.get_readonly_fields(request, obj)
        unbound = _editable(form, readonly, model) - change_bound
        if unbound:
            problems.append(f"the change form edits {sorted(unbound)}, which no bound "
                            "service changes: make them read-only")
    if model_admin.has_add_permission(request):
        form = model_admin.get_form(request, None, change=False)
        unbound = _editable(form, model_admin.get_readonly_fields(request, None), model) - add_bound
        if unbound:
            problems.append(f"the add form takes {sorted(unbound)}, which the create "
                            "service does not")
    for inline in model_admin.get_inline_instances(request, obj):
        may_change = inline.has_change_permission(request, obj)
        may_add = inline.has_add_permission(request, obj)
        if not (may_change or may_add):
            continue
        formset = inline.get_formset(request, obj)
        inner = tracking.spec_for(inline.model).writes
        fields = _editable(formset.form, inline.get_readonly_fields(request, obj), inline.model)
        fields -= {"id", "DELETE", formset.fk.name}
        if may_change and fields - inner.updatable:
            problems.append(f"the inline {inline.model._meta.label_lower} edits "
                            f"{sorted(fields - inner.updatable)}, which no service changes")
        if may_add and inner.create_fields is not None and fields - inner.create_fields:
            problems.append(f"the inline {inline.model._meta.label_lower} adds with "
                            f"{sorted(fields - inner.create_fields)}, which its create "
                            "service does not take")
    assert not problems, f"{label}: " + "; ".join(problems)


def test_tracked_update_refuses_an_unbound_field(shared_world):
    """The binding itself refuses what no service changes, with a field error, instead of
    dropping it (the admin and the API both call it)."""
    from django.core.exceptions import ValidationError

    district = shared_world.objects["district_a"]
    with pytest.raises(ValidationError) as error:
        tracking.spec_for(district).update(
            district, actor=shared_world.people["admin_a"], fields={"code": "330199"}
        )
    assert "code" in error.value.message_dict
