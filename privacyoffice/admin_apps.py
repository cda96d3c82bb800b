from django.contrib.admin.apps import AdminConfig


class PrivacyOfficeAdminConfig(AdminConfig):
    """The Django admin, with our site as the default one, so `@admin.register` lands there."""

    default_site = "privacyoffice.admin_site.PrivacyOfficeAdminSite"
