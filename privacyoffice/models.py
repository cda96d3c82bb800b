"""Models of the project package: the export log (auditors' own trail) and worker heartbeats."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """One row per CSV export: who exported what, with which filters, and how many rows.

    Described by its saved filters, never by a list of primary keys.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    report = models.CharField(_("report"), max_length=64)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    encoding = models.CharField(_("encoding"), max_length=16, default="utf-8")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    row_count = models.PositiveBigIntegerField(_("row count"), null=True, blank=True)
    is_background = models.BooleanField(_("background job"), default=False)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]
        permissions = [
            ("view_dashboard", _("Can view the compliance dashboard")),
            ("export_reports", _("Can export CSV reports")),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.pk}"


class WorkerHeartbeat(models.Model):
    """Last time a Celery process reported in; the dashboard shows it so staff see a dead worker."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name
