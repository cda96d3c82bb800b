"""The customer admin: search, the profile and its history, consent and suppressions inline,
the CSV import."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from common.paginators import EstimatedCountPaginator

from . import import_jobs, selectors, services
from .admin_forms import (
    CustomerAdminForm,
    CustomerImportForm,
)
from .admin_keyset import KeysetChangeList
from .admin_lawful_forms import ImportSourceForm
from .admin_mixins import (
    ConsentAppMedia,
    consent_form_page,
)
from .importing import customer_import
from .models import (
    ConsentEvent,
    ConsentFlag,
    Customer,
    CustomerImportJob,
    ProvisionSuppression,
)

# Errors listed on the import page; the count says how many more there were.
MAX_SHOWN_IMPORT_ERRORS = 500
IMPORT_JOB_NOT_YOURS = _("Only the person who uploaded a file may follow its import.")


# --- Customers ---------------------------------------------------------------------------------
class ConsentFlagInline(admin.TabularInline):
    model = ConsentFlag
    extra = 0
    can_delete = False
    fields = ("purpose", "channel", "state_with_suppression", "updated_at", "last_event")
    readonly_fields = fields
    verbose_name_plural = _("Consent in force")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("purpose", "last_event")
            .annotate(provision_stopped=selectors.provision_stopped_for_flag())
        )

    @admin.display(description=_("state"))
    def state_with_suppression(self, obj: ConsentFlag) -> str:
        """同意（提供停止中）: a consent to provision that a suppression to all recipients
        overrides must not read as plain 同意."""
        if getattr(obj, "provision_stopped", False):
            return _("%(state)s (provision stopped)") % {"state": obj.get_state_display()}
        return obj.get_state_display()

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    extra = 0
    can_delete = False
    fields = (
        "occurred_at",
        "purpose",
        "channel",
        "old_state",
        "new_state",
        "actor",
        "source",
        "request_reference",
        "recorded_by",
        "notice",
        "note",
    )
    readonly_fields = fields
    ordering = ("-occurred_at", "-id")
    verbose_name_plural = _("Consent ledger (read-only)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("purpose", "recorded_by", "notice")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SuppressionInline(admin.TabularInline):
    model = ProvisionSuppression
    extra = 0
    can_delete = False
    fields = (
        "recipient_display",
        "request_reference",
        "created_at",
        "created_by",
        "lifted_at",
        "note",
    )
    readonly_fields = fields
    verbose_name_plural = _("Provision suppressions")

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj: ProvisionSuppression) -> str:
        return str(obj.recipient) if obj.recipient_id else str(_("All recipients"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient", "created_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ErasedFilter(admin.SimpleListFilter):
    title = _("erased")
    parameter_name = "erased"

    def lookups(self, request, model_admin):
        return [("no", _("Not erased")), ("yes", _("Erased"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(erased_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(erased_at__isnull=True)
        return queryset


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    form = CustomerAdminForm
    Media = ConsentAppMedia
    list_display = (
        "number",
        "display_name",
        "display_kana",
        "prefecture",
        "phone",
        "email",
        "dealer",
        "erased_at",
    )
    list_display_links = ("number", "display_name")
    list_filter = ("preferred_language", ErasedFilter)
    list_select_related = ("dealer",)
    search_fields = ("number",)  # shows the box; get_search_results does the searching
    search_help_text = _(
        "Customer number, name (kanji or kana, any width), phone (with or without hyphens) "
        "or e-mail."
    )
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator
    list_per_page = 50
    raw_id_fields = ("dealer",)
    readonly_fields = ("erased_at", "created_at", "updated_at")
    inlines = (ConsentFlagInline, ConsentEventInline, SuppressionInline)
    fieldsets = (
        (None, {"fields": ("number", "preferred_language", "dealer")}),
        (
            pgettext_lazy("person", "Name"),
            {"fields": (("family_name", "given_name"), ("family_name_kana", "given_name_kana"))},
        ),
        (
            _("Contact"),
            {"fields": ("postal_code", "prefecture", "address", "phone", "email")},
        ),
        (_("Other"), {"fields": ("date_of_birth", "erased_at", "created_at", "updated_at")}),
        (None, {"fields": ("change_reason",)}),
    )

    @admin.display(description=_("name"), ordering="family_name")
    def display_name(self, obj: Customer) -> str:
        return obj.full_name if not obj.is_erased else str(_("(erased)"))

    @admin.display(description=_("kana"))
    def display_kana(self, obj: Customer) -> str:
        return obj.full_name_kana

    def get_search_results(self, request, queryset, search_term):
        return selectors.customer_search_queryset(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        # Seek pagination and bounded counts: every customer reachable, the last page as fast
        # as the first (admin_keyset).
        return KeysetChangeList

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("number")  # the identifier never changes (services refuse it too)
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # No "reason for the change" where nothing can change (a tombstone, an auditor's
            # view): read-only, it showed as an untranslated "Change reason: None".
            return fieldsets[:-1]
        return fieldsets

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_erased:
            return False  # an erased customer is a tombstone: view only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Never hard-deleted: an erasure anonymises in place (through a privacy request).
        return False

    def revert_disabled(self, request, obj=None) -> bool:
        # Reverting would write around the services (no search columns, no erasure check).
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # revert_disabled only hides the button: simple-history still saves a POSTed form here
        # after checking nothing but the *view* permission (an auditor could change a customer).
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        reason = form.cleaned_data.get("change_reason", "")
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in services.CUSTOMER_FIELDS
            }
            current = Customer.objects.get(pk=obj.pk)
            saved = services.customer_update(
                customer=current, changes=changes, by=request.user, reason=reason
            )
        else:
            fields = {
                name: form.cleaned_data[name]
                for name in services.CUSTOMER_FIELDS
                if name in form.cleaned_data
            }
            saved = services.customer_create(by=request.user, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/jobs/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="{}_{}_import_job".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm("consent_app.add_customer") and request.user.has_perm(
            "consent_app.change_customer"
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_record_consent": request.user.has_perm("consent_app.add_consentevent"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload the CRM's CSV: every row checked, then all imported or none."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        result = None
        form = CustomerImportForm(request.POST or None, request.FILES or None)
        # Art. 30: where the data comes from, asked on the same page (its own form).
        source = ImportSourceForm(request.POST or None, prefix="source")
        if (
            request.method == "POST"
            and form.is_valid()
            and source.is_valid()
            and form.cleaned_data["file"].size > settings.CUSTOMER_IMPORT_ASYNC_BYTES
        ):
            # Too large for one web request: a worker imports it; the person gets its page now.
            try:
                job = import_jobs.customer_import_job_start(
                    upload=form.cleaned_data["file"],
                    by=request.user,
                    encoding=form.cleaned_data["encoding"],
                    dry_run=form.cleaned_data["dry_run"],
                    received_from=source.receipt_details(),
                    collected_by_us=source.collected_by_us(),
                )
            except ValidationError as exc:
                # An incomplete receipt record (Art. 30): said on the page, nothing queued.
                source.add_error(None, exc)
            else:
                self.message_user(request, import_jobs.IMPORT_JOB_QUEUED, messages.INFO)
                return redirect("admin:consent_app_customer_import_job", job_id=job.pk)
        if request.method == "POST" and form.is_valid() and source.is_valid():
            result = customer_import(
                file=form.cleaned_data["file"],
                by=request.user,
                encoding=form.cleaned_data["encoding"],
                dry_run=form.cleaned_data["dry_run"],
                received_from=source.receipt_details(),
                collected_by_us=source.collected_by_us(),
            )
            if result.ok:
                message = _(
                    "%(rows)s rows: %(created)s customers created, %(updated)s updated, "
                    "%(unchanged)s unchanged."
                ) % {
                    "rows": result.rows,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                }
                if form.cleaned_data["dry_run"]:
                    message = _("Check only, nothing imported. %(detail)s") % {"detail": message}
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return redirect("admin:consent_app_customer_changelist")
                self.message_user(request, message, messages.INFO)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)s error: nothing was imported.",
                        "%(count)s errors: nothing was imported.",
                        result.error_count,
                    )
                    % {"count": result.error_count},
                    messages.ERROR,
                )
        return consent_form_page(
            request,
            self,
            form,
            _("Import customers from the CRM"),
            _("Import"),
            import_result=result,
            import_errors=result.errors[:MAX_SHOWN_IMPORT_ERRORS] if result else [],
            more_errors=max(0, result.error_count - MAX_SHOWN_IMPORT_ERRORS) if result else 0,
            import_help=True,
            source_form=source,
        )

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """A background import's progress and result, for the person who uploaded the file."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(CustomerImportJob, pk=job_id)
        if job.uploaded_by_id != request.user.pk:
            raise PermissionDenied(IMPORT_JOB_NOT_YOURS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Customer import #%(id)s") % {"id": job.pk},
            "job": job,
            "refresh": not job.is_finished,
            "more_errors": max(0, job.error_count - len(job.errors)),
        }
        return TemplateResponse(request, "admin/consent_app/customer/import_job.html", context)
