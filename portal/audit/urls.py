"""URLs of the inspectors' audit pages, under /audit/."""

from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.journal_list, name="journal"),
    path("export.csv", views.journal_export, name="export"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/checkpoint/", views.checkpoint_sign, name="checkpoint_sign"),
    path("checkpoints/<int:pk>.json", views.checkpoint_download, name="checkpoint"),
    path("checkpoints/public-key.pem", views.checkpoint_key, name="checkpoint_key"),
    path("object/<str:object_type>/<path:object_id>/", views.object_timeline, name="timeline"),
]
