"""The registry's API routes, gathered into /api/v1/ by the portal's router."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("districts", views.DistrictViewSet, basename="district")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("spectra", views.SpectrumViewSet, basename="spectrum")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("memberships", views.MembershipViewSet, basename="membership")
