from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # set_language: the language switch in the admin header posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # OpenID Connect login and callback; 404 unless OIDC_ENABLED (privacyoffice.sso).
    path("oidc/", include("privacyoffice.sso")),
]
