"""The filings' API routes, gathered into /api/v1/ by the portal's router."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("filings", views.FilingViewSet, basename="filing")
router.register("negative-list", views.NegativeListViewSet, basename="negative-list")
