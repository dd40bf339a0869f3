"""The peer's URLs, under /bench/peer/ in the filing benchmark's server."""

from rest_framework.routers import SimpleRouter

from .api import FilingViewSet

router = SimpleRouter()
router.register("filings", FilingViewSet, basename="peer-filing")
urlpatterns = router.urls
