"""The API root: every resource of /api/v1/ is registered on this one router."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from enterprises.api import views as enterprise_views
from filings.api import views as filing_views
from liaisons.api import views as liaison_views

from . import changes, journal, notifications, views

router = DefaultRouter()
router.register("districts", enterprise_views.DistrictViewSet, basename="district")
router.register("industries", enterprise_views.IndustryViewSet, basename="industry")
router.register("spectra", enterprise_views.SpectrumViewSet, basename="spectrum")
router.register("enterprises", enterprise_views.EnterpriseViewSet, basename="enterprise")
router.register("memberships", enterprise_views.MembershipViewSet, basename="membership")
router.register("assignments", liaison_views.AssignmentViewSet, basename="assignment")
router.register("filings", filing_views.FilingViewSet, basename="filing")
router.register("negative-list", filing_views.NegativeListViewSet, basename="negative-list")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("journal", journal.JournalEntryViewSet, basename="journal-entry")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("changes/", changes.ChangesView.as_view(), name="api-changes"),
    path("", include(router.urls)),
    # Last: an address no route matches (`/enterprises/1.5/`) answers in JSON, not HTML.
    # Only with the trailing slash, so APPEND_SLASH still redirects `/enterprises`.
    re_path(r"^[\s\S]*/$", views.not_found, name="api-not-found"),
]
