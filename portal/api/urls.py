"""The API root: the portal's own resources and every app's router on one root (/api/v1/).

An app names its router module in its AppConfig (`api_urls = "filings.api.urls"`); the
routes are gathered here in the order of INSTALLED_APPS.
"""

from importlib import import_module

from django.apps import apps
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from . import changes, journal, notifications, views

# The API speaks JSON only: no `.json` suffix twins of every route.
router = DefaultRouter()
router.include_format_suffixes = False  # (a class attribute: DefaultRouter takes no such argument)
for app_config in apps.get_app_configs():
    module = getattr(app_config, "api_urls", None)
    if module:
        router.registry.extend(import_module(module).router.registry)
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("journal", journal.JournalEntryViewSet, basename="journal-entry")
# The caller's own API tokens (list, revoke), beside the sign-in routes below.
router.register("auth/tokens", views.TokenViewSet, basename="api-token")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", views.LogoutView.as_view(), name="api-logout"),
    path("changes/", changes.ChangesView.as_view(), name="api-changes"),
    path("", include(router.urls)),
    # Last: an address no route matches (`/enterprises/1.5/`) answers in JSON, not HTML.
    # Only with the trailing slash, so APPEND_SLASH still redirects `/enterprises`.
    re_path(r"^[\s\S]*/$", views.not_found, name="api-not-found"),
]
