"""Filing pages under /filings/ (the public verify page is /v/<token>/ in portal.urls)."""

from django.urls import path

from . import views

app_name = "filings"

urlpatterns = [
    path("", views.filing_list, name="list"),
    path("new/", views.filing_new, name="new"),
    path("<int:pk>/", views.filing_detail, name="detail"),
    path("<int:pk>/edit/", views.filing_edit, name="edit"),
    path("<int:pk>/receipt/", views.filing_receipt, name="receipt"),
    path("<int:pk>/withdraw/", views.filing_withdraw, name="withdraw"),
    path("<int:pk>/rectified/", views.filing_report_rectified, name="report_rectified"),
    path("<int:pk>/confirm/", views.filing_confirm, name="confirm"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download,
         name="attachment"),
]
