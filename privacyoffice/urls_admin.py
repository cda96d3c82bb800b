"""Extra admin-site views (dashboard, reports). Each view is wrapped by `site.admin_view`."""

from django.urls import path

from . import views


def extra_admin_urls(site):
    return [
        path("dashboard/", site.admin_view(views.dashboard), name="privacyoffice_dashboard"),
        path("reports/", site.admin_view(views.reports_index), name="privacyoffice_reports"),
        path(
            "reports/exports/<int:pk>/",
            site.admin_view(views.export_status),
            name="privacyoffice_export",
        ),
        path(
            "reports/exports/<int:pk>/download/",
            site.admin_view(views.export_download),
            name="privacyoffice_export_download",
        ),
        path(
            "reports/<slug:slug>/",
            site.admin_view(views.report_export),
            name="privacyoffice_report",
        ),
    ]
