"""/accounts/: password change and reset (Django's names), and the user's API tokens."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("tokens/", views.token_list, name="account-tokens"),
]

# The admin's own "change password" (for staff) is this same page, so that it goes through
# the same service; placed before the admin's URLs in portal/urls.py.
admin_password_change = path(
    "admin/password_change/", RedirectView.as_view(pattern_name="password_change"),
)
