from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from .roles import sync_role_groups

    sync_role_groups(verbosity=kwargs.get("verbosity", 0))


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # Keep role permissions complete when later migrations add models.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="portal.sync_roles")
        # Permissions may have been created again under new ids (migrate, flush).
        from .access import forget_permissions

        post_migrate.connect(forget_permissions, dispatch_uid="portal.forget_permissions")
