"""Extra admin-site views (dashboard, reports). Each view is wrapped by `site.admin_view`."""

from django.urls import path

from . import views, views_reports


def extra_admin_urls(site):
    return [
        path("dashboard/", site.admin_view(views.dashboard), name="privacyoffice_dashboard"),
        path(
            "reports/", site.admin_view(views_reports.reports_index), name="privacyoffice_reports"
        ),
        path(
            "reports/exports/<int:pk>/",
            site.admin_view(views_reports.export_status),
            name="privacyoffice_export",
        ),
        path(
            "reports/exports/<int:pk>/download/",
            site.admin_view(views_reports.export_download),
            name="privacyoffice_export_download",
        ),
        path(
            "reports/exports/<int:pk>/retry/",
            site.admin_view(views_reports.export_retry_view),
            name="privacyoffice_export_retry",
        ),
        path(
            "reports/marketing-list/<int:purpose_id>/<str:channel>/",
            site.admin_view(views_reports.marketing_list_export),
            name="privacyoffice_marketing_list",
        ),
        path(
            "reports/<slug:slug>/",
            site.admin_view(views_reports.report_export),
            name="privacyoffice_report",
        ),
    ]
