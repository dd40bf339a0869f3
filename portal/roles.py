"""The portal's roles (Django groups) and the model permissions each one holds (DESIGN §6)."""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    ENTERPRISE = "enterprise", _("enterprise staff")
    LIAISON = "liaison", _("liaison official")
    LABOR_OFFICER = "labor_officer", _("labour officer")
    SUPPLY_OFFICER = "supply_officer", _("supply officer")
    INSPECTOR = "inspector", _("discipline inspector")
    ADMIN = "admin", _("administrator")


# "app_label.model": actions. `view` alone means read-only. Rows are still limited by
# each queryset's visible_to(user); permissions only say what a role may do at all.
REFERENCE = {
    "enterprises.district": "view",
    "enterprises.industry": "view",
    "enterprises.spectrum": "view",
}

# Published negative-list versions are public to every role; filings models in full.
NEGATIVE_LIST_READ = {"filings.negativelist": "view", "filings.negativelistentry": "view"}
POLICY_READ = {"liaisons.policynote": "view"}
OFFICER_FILINGS_READ = {
    "filings.filing": "view", "filings.attachment": "view", "filings.confirmation": "view",
}
FILINGS = (
    "filings.filing",
    "filings.attachment",
    "filings.confirmation",
    "filings.negativelist",
    "filings.negativelistentry",
)

ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    Role.ENTERPRISE: {
        **REFERENCE,
        "enterprises.enterprise": "view add change",
        "enterprises.membership": "view",
        "filings.filing": "view add change",
        "filings.attachment": "view add",
        "filings.confirmation": "view",
        **NEGATIVE_LIST_READ,
        "liaisons.helprequest": "view add change",
        "liaisons.helprequestcomment": "view add",
        "liaisons.policynote": "view",
        # Its visits read-only; its task list: see and close (close is a change).
        "liaisons.visit": "view",
        "liaisons.visitphoto": "view",
        "liaisons.task": "view change",
    },
    Role.LIAISON: {
        **REFERENCE,
        "enterprises.enterprise": "view add change",
        "enterprises.membership": "view",
        "liaisons.assignment": "view",
        "filings.filing": "view change",
        "filings.attachment": "view",
        "filings.confirmation": "view add",
        **NEGATIVE_LIST_READ,
        "liaisons.helprequest": "view add change",
        "liaisons.helprequestcomment": "view add",
        "liaisons.policynote": "view add change",
        "liaisons.visit": "view add change",
        "liaisons.visitphoto": "view add",
        "liaisons.task": "view add change",
    },
    # Officers read the enterprises of their districts and whether (and how) they resumed:
    # the same filings on the pages and in the API, never a change.
    Role.LABOR_OFFICER: {**REFERENCE, **NEGATIVE_LIST_READ, **OFFICER_FILINGS_READ,
                         **POLICY_READ, "enterprises.enterprise": "view"},
    Role.SUPPLY_OFFICER: {**REFERENCE, **NEGATIVE_LIST_READ, **OFFICER_FILINGS_READ,
                          **POLICY_READ, "enterprises.enterprise": "view"},
    Role.INSPECTOR: {
        **REFERENCE,
        "enterprises.enterprise": "view",
        "enterprises.membership": "view",
        "enterprises.jurisdiction": "view",
        "liaisons.assignment": "view",
        "liaisons.helprequest": "view",
        "liaisons.helprequestcomment": "view",
        "liaisons.policynote": "view",
        "liaisons.visit": "view",
        "liaisons.visitphoto": "view",
        "liaisons.task": "view",
        "portal.journalentry": "view",
        "portal.journalanchor": "view",
        "portal.journalverification": "view",
        **{key: "view" for key in FILINGS},
    },
    Role.ADMIN: {
        **{key: "view add change delete" for key in REFERENCE},
        "enterprises.enterprise": "view add change delete",
        "enterprises.membership": "view add change delete",
        "enterprises.jurisdiction": "view add change delete",
        "liaisons.assignment": "view add change delete",
        "liaisons.helprequest": "view add change",
        "liaisons.helprequestcomment": "view add",
        "liaisons.policynote": "view add change",
        "liaisons.visit": "view add change",
        "liaisons.visitphoto": "view add",
        "liaisons.task": "view add change",
        "filings.filing": "view add change",
        "filings.attachment": "view add",
        "filings.confirmation": "view add",
        "filings.negativelist": "view add change delete",
        "filings.negativelistentry": "view add change delete",
        "portal.user": "view add change",
        "portal.apitoken": "view delete",
        "portal.journalentry": "view",
        "portal.journalanchor": "view",
        "portal.journalverification": "view",
    },
}


def sync_role_groups(apps=None, verbosity: int = 0) -> None:
    """Create the role groups and give each exactly the permissions listed above.

    Runs from a data migration (so the groups exist on every database) and after every
    `migrate` (so permissions of models added later reach their roles).
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in apps.get_app_configs():
        if apps is not global_apps:
            # Historical app registries leave models_module unset; permissions need it.
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=verbosity)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = set()
        for key, actions in grants.items():
            app_label, model = key.split(".")
            wanted |= {(app_label, f"{action}_{model}") for action in actions.split()}
        perms = [
            perm
            for perm in Permission.objects.filter(
                content_type__app_label__in={app for app, _codename in wanted}
            ).select_related("content_type")
            if (perm.content_type.app_label, perm.codename) in wanted
        ]
        group.permissions.set(perms)
