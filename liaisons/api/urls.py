"""The liaison service's API routes, gathered into /api/v1/ by the portal's router."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("help-requests", views.HelpRequestViewSet, basename="help-request")
router.register("policy-notes", views.PolicyNoteViewSet, basename="policy-note")
router.register("visits", views.VisitViewSet, basename="visit")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("help-request-figures", views.HelpRequestFiguresViewSet,
                basename="help-request-figures")
