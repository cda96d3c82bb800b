"""The staff UI: the Django admin site, with the dashboard, reports and two-factor login."""

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PrivacyOfficeAdminSite(admin.AdminSite):
    site_header = _("Privacy Office")
    site_title = _("Privacy Office")
    index_title = _("Back office")
    enable_nav_sidebar = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if settings.REQUIRE_2FA:
            from django_otp.forms import OTPAuthenticationForm

            self.login_form = OTPAuthenticationForm

    def has_permission(self, request) -> bool:
        """Staff only; with REQUIRE_2FA, only after a verified second factor (ASVS V4.3.1)."""
        if not super().has_permission(request):
            return False
        if settings.REQUIRE_2FA:
            return bool(getattr(request.user, "is_verified", lambda: False)())
        return True

    def get_urls(self):
        from .urls_admin import extra_admin_urls

        return extra_admin_urls(self) + super().get_urls()
