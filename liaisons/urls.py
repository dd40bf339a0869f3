"""Pages of the liaison service under /help/: help requests, the policy library, the task
list, an official's work, caseloads and figures."""

from django.urls import path

from . import views

app_name = "liaisons"

urlpatterns = [
    path("", views.help_request_list, name="help-requests"),
    path("<int:pk>/", views.help_request_detail, name="help-request"),
    path("<int:pk>/comment/", views.help_request_comment, name="help-request-comment"),
    path("<int:pk>/confirm/", views.help_request_confirm, name="help-request-confirm"),
    path("<int:pk>/reopen/", views.help_request_reopen, name="help-request-reopen"),
    path("policies/", views.policy_library, name="policies"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/close/", views.task_close, name="task-close"),
    path("visits/<int:pk>/photos/<int:photo_id>/", views.visit_photo, name="visit-photo"),
    path("work/", views.work, name="work"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("figures/", views.figures, name="figures"),
    path("figures/export.csv", views.figures_csv, name="figures-csv"),
]
