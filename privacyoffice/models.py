"""Models of the project package: the export log (auditors' own trail), the dashboard summary
and worker heartbeats."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The ledgers' bookkeeping lives in its own module; importing it here registers its models.
from .ledger_models import LedgerDigest, LedgerHead, RetentionPurge  # noqa: F401

# The columns that say *what* was exported, by whom, when. They never change once written.
EXPORT_IDENTITY_COLUMNS = (
    "id",
    "report",
    "filters",
    "encoding",
    "header",
    "exported_by_id",
    "created_at",
    "is_background",
    "estimated_rows",
    "values",
    "retry_of_id",
)
# The only columns a finished export may still change: its file is purged after the retention.
EXPORT_FILE_PURGE_COLUMNS = ("file", "file_purged_at")


def _unchanged(columns) -> str:
    return " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in columns)


_EXPORT_ALL_COLUMNS = (
    *EXPORT_IDENTITY_COLUMNS,
    "status",
    "finished_at",
    "started_at",
    "row_count",
    "progress_rows",
    "replaced_characters",
    "size",
    "sha256",
    "error",
    "heartbeat_at",
)

# An UPDATE is refused unless it is either
#   (a) the progress or completion of a running export, leaving what/who/when untouched, or
#   (b) the purge of a finished export's file: file emptied, file_purged_at set, nothing else.
# Everything else (rewriting history, re-opening a finished export, deleting) raises.
EXPORT_UPDATE_ALLOWED_SQL = (
    f"(OLD.status = 'running' AND {_unchanged(EXPORT_IDENTITY_COLUMNS)})"
    f" OR (OLD.status <> 'running' AND OLD.file_purged_at IS NULL"
    f" AND NEW.file = '' AND NEW.file_purged_at IS NOT NULL"
    f" AND {_unchanged(_EXPORT_ALL_COLUMNS)})"
)


class ExportLog(models.Model):
    """One row per CSV export: who exported what, with which filters, and how many rows.

    Described by its saved filters, never by a list of primary keys. Append-only on PostgreSQL
    (see the triggers in Meta): the only updates are a running export's progress and completion,
    and the later purge of its file.
    """

    class Status(models.TextChoices):
        """running → done | failed | interrupted; nothing leaves done, failed or interrupted.

        *interrupted*: the worker stopped writing (killed, machine lost) and the sweep ended the
        job; its creator retries it, which logs a new export (`retry_of` names this one).
        """

        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        INTERRUPTED = "interrupted", _("Interrupted")

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", _("UTF-8")
        UTF8_BOM = "utf-8-sig", _("UTF-8 with BOM (Excel)")
        CP932 = "cp932", _("Shift_JIS / CP932 (Japanese Excel)")

    class Header(models.TextChoices):
        CODES = "codes", _("Stable column names")
        JAPANESE = "ja", _("Japanese column names")

    class Values(models.TextChoices):
        CODES = "codes", _("Stable codes")
        LABELS = "labels", _("Japanese display values (labels instead of codes)")

    report = models.CharField(_("report"), max_length=64)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    encoding = models.CharField(
        _("encoding"), max_length=16, choices=Encoding.choices, default=Encoding.UTF8
    )
    header = models.CharField(
        _("header row"), max_length=8, choices=Header.choices, default=Header.CODES
    )
    values = models.CharField(
        _("values"), max_length=8, choices=Values.choices, default=Values.CODES
    )
    retry_of = models.ForeignKey(
        "self",
        verbose_name=_("retry of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retries",
    )
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RUNNING
    )
    estimated_rows = models.PositiveBigIntegerField(_("estimated rows"), null=True, blank=True)
    progress_rows = models.PositiveBigIntegerField(_("rows written so far"), default=0)
    row_count = models.PositiveBigIntegerField(_("row count"), null=True, blank=True)
    replaced_characters = models.PositiveIntegerField(_("characters replaced (CP932)"), default=0)
    is_background = models.BooleanField(_("background job"), default=False)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file_purged_at = models.DateTimeField(_("file purged at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Written by the job's progress thread every second; the sweep ends a job whose worker
    # stopped writing it (privacyoffice.reports.services.exports_sweep).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]
        permissions = [
            ("view_dashboard", _("Can view the compliance dashboard")),
            ("export_reports", _("Can export CSV reports")),
        ]
        indexes = [
            # Export-file purge: finished background exports whose file is still kept.
            models.Index(
                fields=["finished_at"],
                name="exportlog_file_kept_idx",
                condition=models.Q(is_background=True, file_purged_at__isnull=True),
            ),
            # The sweep: running background exports, by their last sign of life.
            models.Index(
                fields=["heartbeat_at"],
                name="exportlog_running_idx",
                condition=models.Q(status="running", is_background=True),
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="exportlog_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="exportlog_update_only_completion",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(f"NOT ({EXPORT_UPDATE_ALLOWED_SQL})"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.pk}"

    @property
    def progress_percent(self) -> int | None:
        if self.status == self.Status.DONE:
            return 100
        if not self.estimated_rows:
            return None
        return min(99, int(self.progress_rows * 100 / self.estimated_rows))


class DashboardSummary(models.Model):
    """The dashboard's aggregates over the big consent tables, refreshed by beat.

    Counting millions of consent flags takes seconds; the page reads this row instead and
    shows when it was computed.
    """

    key = models.CharField(_("key"), max_length=32, unique=True)
    data = models.JSONField(_("data"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))
    duration_ms = models.PositiveIntegerField(_("computation time (ms)"), default=0)

    class Meta:
        verbose_name = _("dashboard summary")
        verbose_name_plural = _("dashboard summaries")

    def __str__(self) -> str:
        return self.key


class WorkerHeartbeat(models.Model):
    """Last time a Celery process reported in; the dashboard shows it so staff see a dead worker."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    last_seen = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name


class StaffPreference(models.Model):
    """A staff user's own settings: for now the language of the admin.

    Kept in the database rather than only in the language cookie so that it follows the user to
    any browser; privacyoffice.i18n applies it before the browser's Accept-Language.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_preference",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("staff preference")
        verbose_name_plural = _("staff preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language}"
