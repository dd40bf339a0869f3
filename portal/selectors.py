"""Reads of the portal shell: the home page, made of the panels each app offers."""

from importlib import import_module

from django.apps import apps

from .models import JournalAnchor, JournalEntry
from .roles import Role


def _panel_functions():
    for config in apps.get_app_configs():
        path = getattr(config, "home_panel", None)
        if path:
            module, _dot, name = path.rpartition(".")
            yield getattr(import_module(module), name)


def home_panels(user) -> dict:
    """The roles and, in the order of INSTALLED_APPS, each app's panel for `user`: a dict
    with the `template` to include and its context, or None when it has nothing to show.
    An app offers one with `home_panel = "<module>.<function>"` on its AppConfig."""
    panels = [panel for panel in (function(user) for function in _panel_functions()) if panel]
    context = {
        "roles": [Role(role).label for role in sorted(user.roles) if role in Role.values],
        "panels": panels,
    }
    if user.has_role(Role.ADMIN, Role.INSPECTOR):
        context["journal_head"] = JournalEntry.objects.order_by("-seq").first()
        context["last_anchor"] = JournalAnchor.objects.order_by("-seq").first()
    return context
