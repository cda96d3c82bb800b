"""The staff screens for customers, consent, recipients and provision (thin: services do the work).

Big tables (customers, flags, events, records) have no date_hierarchy (its DISTINCT over dates is
slow at millions of rows), no full result count, list_select_related for constant query counts,
and list filters only on fields with choices. Append-only models refuse change and delete to
everyone; consent changes, suppressions, batches and imports go through custom pages that call
the services.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ReadOnlyAdminMixin, form_page
from common.forms import add_service_errors
from common.paginators import EstimatedCountPaginator

from . import import_jobs, provision, selectors, services
from .admin_forms import (
    ConsentChangeForm,
    CustomerAdminForm,
    CustomerImportForm,
    ProvisionBatchForm,
    PurposeOfUseAdminForm,
    RecipientAdminForm,
    SuppressionForm,
)
from .admin_keyset import KeysetChangeList
from .admin_lawful_forms import ImportSourceForm
from .importing import customer_import
from .models import (
    Channel,
    ConsentEvent,
    ConsentFlag,
    Customer,
    CustomerImportJob,
    PrivacyNotice,
    ProvisionBatch,
    ProvisionRecord,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
)

logger = logging.getLogger(__name__)

FORM_TEMPLATE = "admin/consent_app/form_page.html"
# Errors listed on the import page; the count says how many more there were.
MAX_SHOWN_IMPORT_ERRORS = 500
IMPORT_JOB_NOT_YOURS = _("Only the person who uploaded a file may follow its import.")


def _form_page(request, model_admin, form, title: str, submit: str, **extra) -> TemplateResponse:
    return form_page(
        request, model_admin, form, template=FORM_TEMPLATE, title=title, submit=submit, **extra
    )


class DataItemsLabelsMixin:
    """A model's `data_items` (a JSON list of item codes) shown as their labels wherever it is
    read-only: the list column and the view-only page read "氏名、住所", never
    ["name", "address"]. Where the user may edit, the form's checkboxes stay."""

    @admin.display(description=_("data items"))
    def data_items_display(self, obj) -> str:
        return provision.data_items_label(obj.data_items)

    def _data_items_read_only(self, request, obj) -> bool:
        return obj is not None and not self.has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if self._data_items_read_only(request, obj) and "data_items_display" not in fields:
            fields = [field for field in fields if field != "data_items"]
            fields.append("data_items_display")
        return fields

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if self._data_items_read_only(request, obj):
            # Once, where data_items stood (the read-only list also appends it at the end).
            mapped = ["data_items_display" if field == "data_items" else field for field in fields]
            fields = list(dict.fromkeys(mapped))
        return fields


class ExactCustomerSearchMixin:
    """Search by customer number (exact, any width) or request reference, via the index."""

    search_fields = ("customer__number",)
    search_help_text = _("Customer number")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        from .normalize import normalize_customer_number

        return queryset.filter(customer__number=normalize_customer_number(term)), False


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


class ConsentAppMedia:
    css = {"all": ["consent_app/admin.css"]}


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
                data=form.cleaned_data["file"].read(),
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
                        len(result.errors),
                    )
                    % {"count": len(result.errors)},
                    messages.ERROR,
                )
        return _form_page(
            request,
            self,
            form,
            _("Import customers from the CRM"),
            _("Import"),
            import_result=result,
            import_errors=result.errors[:MAX_SHOWN_IMPORT_ERRORS] if result else [],
            more_errors=max(0, len(result.errors) - MAX_SHOWN_IMPORT_ERRORS) if result else 0,
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


# --- Purposes and notices ----------------------------------------------------------------------
@admin.register(PurposeOfUse)
class PurposeOfUseAdmin(admin.ModelAdmin):
    form = PurposeOfUseAdminForm
    list_display = (
        "code",
        "title_ja",
        "channel_labels",
        "marketing_lists",
        "is_third_party_provision",
        "active",
        "title_en",
    )
    list_filter = ("active", "is_third_party_provision")
    search_fields = ("code", "title_ja", "title_en")
    ordering = ("sort_order", "code")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # consent events point at purposes; retire one with "active" instead

    def get_readonly_fields(self, request, obj=None):
        # The code names the purpose in flags, events and requests; fixed once created.
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fields()
        return ("code",) if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self._read_only_fields()
        return super().get_fields(request, obj)

    def _read_only_fields(self) -> list[str]:
        # Read-only (auditors, staff): the channels by label, not the stored JSON list.
        return [
            self._channels_as_labels(f.name)
            for f in self.model._meta.fields
            if f.editable and not f.primary_key
        ]

    @staticmethod
    def _channels_as_labels(field: str) -> str:
        return "channel_labels" if field == "channels" else field

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        if not request.user.has_perm("consent_app.export_marketing_list"):
            columns = tuple(c for c in columns if c != "marketing_lists")
        return columns

    @admin.display(description=_("channels"))
    def channel_labels(self, obj: PurposeOfUse) -> str:
        labels = dict(Channel.choices)
        return " · ".join(str(labels.get(c, c)) for c in obj.channels or [])

    @admin.display(description=_("marketing lists"))
    def marketing_lists(self, obj: PurposeOfUse) -> str:
        if obj.is_third_party_provision:
            return ""
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:privacyoffice_marketing_list", args=[obj.pk, channel]),
                Channel(channel).label,
            )
            for channel in obj.channels or []
            if channel in Channel.values
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ("version", "effective_from", "created_at")
    ordering = ("-version",)

    def has_change_permission(self, request, obj=None) -> bool:
        # A published notice is what people consented under: publish a new version instead.
        if obj is not None and ConsentEvent.objects.filter(notice=obj).exists():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Recipients and suppressions ---------------------------------------------------------------
@admin.register(Recipient)
class RecipientAdmin(DataItemsLabelsMixin, admin.ModelAdmin):
    form = RecipientAdminForm
    list_display = (
        "name",
        "code",
        "category",
        "country",
        "foreign",
        "agreement_reference",
        "agreement_end",
        "basis",
        "active",
    )
    list_filter = ("category", "basis", "active", "contract_serves_as_record")
    search_fields = ("name", "code", "agreement_reference")

    @admin.display(description=_("foreign transfer"), boolean=True)
    def foreign(self, obj: Recipient) -> bool:
        return obj.is_foreign

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # records and batches point at it; deactivate instead


@admin.register(ProvisionSuppression)
class ProvisionSuppressionAdmin(ExactCustomerSearchMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "customer",
        "recipient_display",
        "request_reference",
        "created_at",
        "created_by",
        "lifted_at",
    )
    list_select_related = ("customer", "recipient", "created_by")
    raw_id_fields = ("customer",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    actions = ("lift",)

    def get_readonly_fields(self, request, obj=None):
        # The recipient as the list says it: an empty one is "all recipients", not "-".
        return [
            "recipient_display" if f.name == "recipient" else f.name
            for f in self.model._meta.fields
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj: ProvisionSuppression) -> str:
        return str(obj.recipient) if obj.recipient_id else str(_("All recipients"))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = SuppressionForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            try:
                suppression = services.suppression_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("Provision suppressed."), messages.SUCCESS)
                return redirect("admin:consent_app_customer_change", suppression.customer_id)
        return _form_page(request, self, form, _("Stop provision to third parties"), _("Save"))

    @admin.action(description=_("Lift the selected suppressions"), permissions=["change"])
    def lift(self, request, queryset):
        lifted = 0
        for suppression in queryset.filter(lifted_at__isnull=True):
            services.suppression_lift(suppression=suppression, by=request.user)
            lifted += 1
        self.message_user(
            request,
            ngettext("%(n)s suppression lifted.", "%(n)s suppressions lifted.", lifted)
            % {"n": lifted},
            messages.SUCCESS,
        )


# --- Consent flags and the ledger --------------------------------------------------------------
@admin.register(ConsentFlag)
class ConsentFlagAdmin(ExactCustomerSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    Media = ConsentAppMedia
    list_display = ("customer", "purpose", "channel", "state", "updated_at")
    list_filter = ("channel", "state")
    list_select_related = ("customer", "purpose")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator


@admin.register(ConsentEvent)
class ConsentEventAdmin(ExactCustomerSearchMixin, admin.ModelAdmin):
    Media = ConsentAppMedia
    list_display = (
        "id",
        "customer",
        "purpose",
        "channel",
        "old_state",
        "new_state",
        "occurred_at",
        "actor",
        "source",
        "request_reference",
        "recorded_by",
    )
    list_filter = ("channel", "new_state", "actor", "source")
    list_select_related = ("customer", "purpose", "recorded_by")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator
    ordering = ("-occurred_at", "-id")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the ledger is append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/evidence/",
                self.admin_site.admin_view(self.evidence_view),
                name="consent_app_consentevent_evidence",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Record a consent change through consent_change (the one way consent changes)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ConsentChangeForm(
            request.POST or None, request.FILES or None, initial=request.GET.dict()
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                event = services.consent_change(
                    customer=data["customer"],
                    purpose=data["purpose"],
                    channel=data["channel"],
                    new_state=data["new_state"],
                    actor=data["actor"],
                    source=data["source"],
                    by=request.user,
                    request_reference=data["request_reference"],
                    note=data["note"],
                    occurred_at=data["occurred_at"],
                    evidence=data["evidence"],
                    foreign_transfer_info=data["foreign_transfer_info"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(request, _("Consent change recorded."), messages.SUCCESS)
                return redirect("admin:consent_app_customer_change", event.customer_id)
        return _form_page(request, self, form, _("Record a consent change"), _("Record"))

    def evidence_view(self, request, object_id: str):
        """The signed form, to staff and managers only, never inline in the browser."""
        if not request.user.has_perm("consent_app.add_consentevent"):
            raise PermissionDenied
        event = get_object_or_404(ConsentEvent, pk=object_id)
        if not event.evidence:
            raise Http404
        logger.info("consent evidence %s viewed by user %s", event.pk, request.user.pk)
        response = FileResponse(event.evidence.open("rb"), as_attachment=True)
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- Provision batches and records -------------------------------------------------------------
@admin.register(ProvisionBatch)
class ProvisionBatchAdmin(DataItemsLabelsMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "provided_on",
        "status",
        "customer_count",
        "download",
        "created_by",
        "created_at",
        "purpose",
    )
    list_filter = ("status", "basis")
    list_select_related = ("recipient", "purpose", "created_by")
    actions = ("run_again",)

    def get_readonly_fields(self, request, obj=None):
        # Every field, data items by their labels (DataItemsLabelsMixin).
        return [
            "data_items_display" if f.name == "data_items" else f.name
            for f in self.model._meta.fields
        ]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("file"))
    def download(self, obj: ProvisionBatch) -> str:
        if not obj.file:
            return ""
        url = reverse("admin:consent_app_provisionbatch_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="consent_app_provisionbatch_download",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProvisionBatchForm(request.POST or None, initial=request.GET.dict())
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                batch = provision.provision_batch_create(
                    recipient=data["recipient"],
                    purpose=data["purpose"],
                    by=request.user,
                    data_items=data["data_items"] or None,
                    basis=data["basis"] or None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                self.message_user(
                    request,
                    _("Batch #%(id)s queued: the file and the records are being prepared.")
                    % {"id": batch.pk},
                    messages.SUCCESS,
                )
                return redirect("admin:consent_app_provisionbatch_changelist")
        return _form_page(request, self, form, _("Provide data to a third party"), _("Provide"))

    def download_view(self, request, object_id: str):
        """The file sent to the recipient: staff and managers who run batches, as attachment."""
        if not request.user.has_perm("consent_app.add_provisionbatch"):
            raise PermissionDenied
        batch = get_object_or_404(ProvisionBatch, pk=object_id)
        if not batch.file:
            raise Http404
        logger.info("provision batch %s file downloaded by user %s", batch.pk, request.user.pk)
        response = FileResponse(
            batch.file.open("rb"), as_attachment=True, filename=f"provision-{batch.pk}.csv"
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("Run the selected failed batches again"), permissions=["add"])
    def run_again(self, request, queryset: QuerySet[ProvisionBatch]):
        queued = 0
        for batch in queryset.filter(status=ProvisionBatch.Status.FAILED):
            try:
                provision.provision_batch_requeue(batch=batch, by=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
                continue
            queued += 1
        self.message_user(
            request,
            ngettext("%(n)s batch queued again.", "%(n)s batches queued again.", queued)
            % {"n": queued},
            messages.SUCCESS,
        )


@admin.register(ProvisionRecord)
class ProvisionRecordAdmin(
    DataItemsLabelsMixin, ExactCustomerSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    Media = ConsentAppMedia
    list_display = (
        "id",
        "provided_on",
        "recipient",
        "customer",
        "data_items_display",
        "basis",
        "batch",
        "retain_until",
    )
    list_filter = ("basis",)
    list_select_related = ("recipient", "customer", "batch")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a COUNT per filter option: too slow at millions
    # bench (issue 8): no COUNT(*) of the whole table per page view, the planner's estimate
    paginator = EstimatedCountPaginator
    ordering = ("-provided_on", "-id")


# The lawful-basis admins (issue 16) live in their own module; imported last because they use
# ReadOnlyAdminMixin from this one (a real cycle), which registers them with the site.
from . import admin_lawful  # noqa: E402, F401
