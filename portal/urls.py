"""Top-level URLs: pages, admin, the API and its documentation."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from filings import views as filing_views

from . import views
from .accounts import urls as account_urls
from .auth import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm
# The portal's name on every admin page, not "Django administration".
admin.site.site_header = admin.site.site_title = _("Return-to-work portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("notifications/", views.inbox, name="inbox"),
    path("filings/", include("filings.urls")),
    path("help/", include("liaisons.urls")),
    path("v/<str:token>/", filing_views.verify, name="filing-verify"),
    path("audit/", include("portal.audit.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("portal.accounts.urls")),
    account_urls.admin_password_change,
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
]
