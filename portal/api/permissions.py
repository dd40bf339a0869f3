"""API permissions: Django model permissions decide what a role may do at all."""

from rest_framework.permissions import DjangoModelPermissions

# The actions DRF's routers map to PUT/PATCH/DELETE themselves.
STANDARD_ACTIONS = frozenset(
    {"list", "create", "retrieve", "update", "partial_update", "destroy"}
)


class ModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also requires `view` to read (DESIGN §6).

    An unsafe request to a custom detail `@action` (submit, confirm, ...) changes the object,
    so it needs `change` on the model rather than `add`. A view may name other permissions
    for an action in `action_permissions` (`{"attachments": ["filings.add_attachment"]}`);
    they apply to its unsafe methods, reads still need `view`.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def _queryset(self, view):
        # Only the model is read here: the class queryset names it without building the
        # caller's visible_to() scope once more per request.
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)

    def has_permission(self, request, view):
        name = getattr(view, "action", None)
        if request.method in {"GET", "HEAD", "OPTIONS"} or name in STANDARD_ACTIONS:
            return super().has_permission(request, view)
        if not (request.user and request.user.is_authenticated):
            return False
        if getattr(view, "_ignore_model_permissions", False):
            return True
        declared = getattr(view, "action_permissions", {}).get(name)
        if declared is not None:
            return request.user.has_perms(declared)
        if getattr(view, "detail", False):
            model = self._queryset(view).model
            meta = model._meta
            return request.user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
        return super().has_permission(request, view)
