"""The background customer import: one row per large CRM file, with its progress and result.

Imported into consent_app.models (Django finds models there); kept apart so that module stays
under the size the style guide asks for.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerImportJob(models.Model):
    """A CRM file too large to import within one web request, imported by a worker.

    All or nothing, as an import on the page: the rows are checked, then written in one
    transaction, or nothing is written and the problems are listed by line. The uploaded file
    is kept in private storage only until the job ends.
    """

    class Status(models.TextChoices):
        """queued → running → done | failed; queued or running → interrupted (the sweep)."""

        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Nothing imported")
        INTERRUPTED = "interrupted", _("Interrupted")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    encoding = models.CharField(_("encoding"), max_length=8, default="auto")
    dry_run = models.BooleanField(_("check only"), default=False)
    # Where the data comes from (Art. 30), stated on the upload and applied when the worker runs
    # the import: the company's own collection, or a third party's with its receipt details.
    collected_by_us = models.BooleanField(_("collected by the company itself"), default=False)
    receipt = models.JSONField(_("receipt details (Art. 30)"), default=dict, blank=True)
    estimated_rows = models.PositiveBigIntegerField(_("estimated rows"), default=0)
    progress_rows = models.PositiveBigIntegerField(_("rows checked so far"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveBigIntegerField(_("rows"), null=True, blank=True)
    created = models.PositiveBigIntegerField(_("created"), null=True, blank=True)
    updated = models.PositiveBigIntegerField(_("updated"), null=True, blank=True)
    unchanged = models.PositiveBigIntegerField(_("unchanged"), null=True, blank=True)
    # The first problems found, as [line, column, message]; error_count says how many in all.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("number of problems"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("customer import job")
        verbose_name_plural = _("customer import jobs")
        ordering = ["-created_at"]
        indexes = [
            # The sweep: unfinished jobs, by their last sign of life.
            models.Index(
                fields=["heartbeat_at"],
                name="importjob_unfinished_idx",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"import #{self.pk}"

    @property
    def progress_percent(self) -> int | None:
        if self.status == self.Status.DONE:
            return 100
        if not self.estimated_rows:
            return None
        return min(99, int(self.progress_rows * 100 / self.estimated_rows))

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.QUEUED, self.Status.RUNNING)
