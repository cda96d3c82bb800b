"""The audit reports: what each exports, from which rows, filtered on which date.

Adding a report is one `Report(...)` entry here and its line in REPORTS (its title, description
and Japanese column names go through the translation catalogue as usual).

Column names are stable (the README's "CSV reports" section lists them): add columns at the end,
never rename or reorder. Requester names and addresses are left out on purpose: the customer
number and the request reference identify the person to anyone allowed to look further.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from consent_app.models import (
    ConsentEvent,
    DataReceiptPerson,
    ProvisionRecord,
    ProvisionSuppression,
)
from incidents_app.models import AffectedPerson
from privacyoffice.ledgers import RowHash
from requests_app.due import on_time_q, overdue_q, responded_day
from requests_app.models import (
    DisclosureRequest,
    DocumentViewing,
    Letter,
)

from .columns import Column, DaysBetween, JsonListJoined, Kind
from .marketing import MARKETING_LIST
from .report import Report


def _on_time():
    # 1: answered by the due date. 0: answered late, or still open past the due date (overdue).
    # Empty: no due date yet, open and not yet due, or ended without an answer.
    # On time and overdue are defined once, in requests_app.due (the dashboard uses them too).
    today = timezone.localdate()
    return Case(
        When(on_time_q(), then=Value(1)),
        When(Q(responded_at__isnull=False, due_date__isnull=False), then=Value(0)),
        When(overdue_q(today=today), then=Value(0)),
        default=Value(None),
        output_field=IntegerField(),
    )


def _rights_in_case():
    return Subquery(
        DisclosureRequest.objects.filter(case_id=OuterRef("case_id"))
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def _request_reference_of_log():
    return Subquery(
        DisclosureRequest.objects.filter(pk=OuterRef("object_id")).values("reference")[:1]
    )


def _request_logs() -> QuerySet:
    content_type = ContentType.objects.get_for_model(DisclosureRequest)
    return StateLog.objects.filter(content_type=content_type)


REQUEST_REGISTER = Report(
    slug="request-register",
    title=_("Request register"),
    description=_("One row per privacy request: dates, deadline, on-time flag and outcome."),
    date_field="received_at",
    date_label=_("received"),
    base=lambda: DisclosureRequest.objects.all(),
    columns=(
        Column("reference", "受付番号", "reference", Kind.CODE),
        Column("request_type", "請求種別", "request_type", Kind.CODE),
        Column("channel", "受付経路", "channel", Kind.CODE),
        Column("state", "状態", "state", Kind.CODE),
        Column("agent_type", "代理人区分", "agent_type", Kind.CODE),
        Column("customer_number", "顧客番号", "customer__number", Kind.TEXT),
        Column("received_at", "受付日時", "received_at", Kind.DATETIME),
        Column("form_sent_at", "請求書送付日時", "form_sent_at", Kind.DATETIME),
        Column("documents_received_on", "書類受領日", "documents_received_on", Kind.DATE),
        Column("due_date", "回答期限", "due_date", Kind.DATE),
        Column("responded_at", "回答日時", "responded_at", Kind.DATETIME),
        Column("closed_at", "完了日時", "closed_at", Kind.DATETIME),
        Column("on_time", "期限内回答", _on_time, Kind.INT),
        Column(
            "days_to_respond",
            "回答所要日数",
            DaysBetween(F("documents_received_on"), responded_day()),
            Kind.INT,
        ),
        Column("outcome", "結果", "outcome", Kind.CODE),
        Column("refusal_ground", "不開示理由", "refusal_ground", Kind.TEXT),
        Column(
            "disclosure_method_requested",
            "請求された開示方法",
            "disclosure_method_requested",
            Kind.CODE,
        ),
        Column("disclosure_method_used", "実際の開示方法", "disclosure_method_used", Kind.CODE),
        Column("fee_amount", "手数料(円)", "fee_amount", Kind.INT),
        Column("fee_received_on", "手数料受領日", "fee_received_on", Kind.DATE),
        Column("assignee", "担当者", "assignee__username", Kind.TEXT),
        Column("drafted_by", "起案者", "drafted_by__username", Kind.TEXT),
        Column("approved_by", "承認者", "approved_by__username", Kind.TEXT),
        # Issue 13: each row is one right; its case (the reference the person quotes) and how
        # many rights that case holds. Appended: earlier columns keep their names and places.
        Column("case_reference", "受付案件番号", "case__reference", Kind.CODE),
        Column("case_rights", "案件の請求数", _rights_in_case(), Kind.INT),
    ),
)

TRANSITION_LOG = Report(
    slug="transition-log",
    title=_("Transition log"),
    description=_("Every workflow transition of every request: who, when, from, to, comment."),
    date_field="timestamp",
    date_label=_("transition time"),
    base=_request_logs,
    columns=(
        Column("log_id", "ログID", "pk", Kind.INT),
        Column("timestamp", "日時", "timestamp", Kind.DATETIME),
        Column("request_reference", "受付番号", _request_reference_of_log(), Kind.CODE),
        Column("transition", "操作", "transition", Kind.CODE),
        Column("source_state", "変更前の状態", "source_state", Kind.CODE),
        Column("state", "変更後の状態", "state", Kind.CODE),
        Column("by", "実行者", "by__username", Kind.TEXT),
        Column("description", "コメント", "description", Kind.TEXT),
        Column("row_hash", "行ハッシュ", RowHash(), Kind.CODE),
    ),
)

CONSENT_LEDGER = Report(
    slug="consent-ledger",
    title=_("Consent ledger"),
    description=_("Every consent event: old and new state, when, by whom, through which source."),
    date_field="occurred_at",
    date_label=_("occurred"),
    base=lambda: ConsentEvent.objects.all(),
    columns=(
        Column("event_id", "イベントID", "pk", Kind.INT),
        Column("occurred_at", "発生日時", "occurred_at", Kind.DATETIME),
        Column("recorded_at", "記録日時", "recorded_at", Kind.DATETIME),
        Column("customer_number", "顧客番号", "customer__number", Kind.TEXT),
        Column("purpose_code", "利用目的コード", "purpose__code", Kind.TEXT),
        Column("channel", "チャネル", "channel", Kind.CODE),
        Column("old_state", "変更前", "old_state", Kind.CODE),
        Column("new_state", "変更後", "new_state", Kind.CODE),
        Column("actor", "実行主体", "actor", Kind.CODE),
        Column("recorded_by", "記録者", "recorded_by__username", Kind.TEXT),
        Column("source", "経路", "source", Kind.CODE),
        Column("request_reference", "関連請求番号", "request_reference", Kind.TEXT),
        Column("notice_version", "プライバシーポリシー版", "notice__version", Kind.INT),
        Column("note", "備考", "note", Kind.TEXT),
        Column("row_hash", "行ハッシュ", RowHash(), Kind.CODE),
    ),
)

PROVISION_RECORDS = Report(
    slug="provision-records",
    title=_("Third-party provision records (Art. 29)"),
    description=_(
        "The provider's record of each provision: date, recipient, person, data items, basis."
    ),
    date_field="provided_on",
    date_label=_("provided"),
    is_datetime=False,
    base=lambda: ProvisionRecord.objects.all(),
    columns=(
        Column("record_id", "記録ID", "pk", Kind.INT),
        Column("provided_on", "提供日", "provided_on", Kind.DATE),
        Column("batch_id", "提供バッチID", "batch_id", Kind.INT),
        Column("recipient_id", "提供先ID", "recipient_id", Kind.INT),
        Column("recipient_name", "提供先名称", "recipient__name", Kind.TEXT),
        Column("recipient_category", "提供先区分", "recipient__category", Kind.CODE),
        Column("recipient_country", "提供先国", "recipient__country", Kind.TEXT),
        Column("customer_number", "本人(顧客番号)", "customer__number", Kind.TEXT),
        Column("purpose_code", "利用目的コード", "batch__purpose__code", Kind.TEXT),
        Column(
            "data_items", "提供項目", JsonListJoined(F("data_items")), Kind.TEXT, "`;`-separated"
        ),
        Column("basis", "提供の根拠", "basis", Kind.CODE),
        Column("retain_until", "保存期限", "retain_until", Kind.DATE),
        Column("record_method", "記録の方法", "record_method", Kind.CODE),
        Column("row_hash", "行ハッシュ", RowHash(), Kind.CODE),
    ),
)

RECEIPT_RECORDS = Report(
    slug="receipt-records",
    title=_("Records of data received from third parties (Art. 30)"),
    description=_(
        "The receiving side's record of each data set taken in: date, provider (name, address, "
        "representative), how the provider obtained it, person, data items."
    ),
    date_field="receipt__received_on",
    date_label=_("received"),
    is_datetime=False,
    base=lambda: DataReceiptPerson.objects.all(),
    order=("receipt__received_on", "pk"),
    columns=(
        Column("entry_id", "記録明細ID", "pk", Kind.INT),
        Column("receipt_id", "受領記録ID", "receipt_id", Kind.INT),
        Column("received_on", "受領日", "receipt__received_on", Kind.DATE),
        Column("provider_name", "提供者名称", "receipt__provider_name", Kind.TEXT),
        Column("provider_address", "提供者住所", "receipt__provider_address", Kind.TEXT),
        Column(
            "provider_representative", "提供者代表者", "receipt__provider_representative", Kind.TEXT
        ),
        Column("acquisition", "提供者の取得経緯", "receipt__acquisition", Kind.CODE),
        Column("acquisition_detail", "取得経緯の詳細", "receipt__acquisition_detail", Kind.TEXT),
        Column("customer_number", "本人(顧客番号)", "customer__number", Kind.TEXT),
        Column(
            "data_items",
            "受領項目",
            JsonListJoined(F("receipt__data_items")),
            Kind.TEXT,
            "`;`-separated",
        ),
        Column("special_care", "要配慮個人情報を含む", "receipt__includes_special_care", Kind.FLAG),
        Column("retain_until", "保存期限", "retain_until", Kind.DATE),
        # Both rows are chained ledgers: the entry's hash and its receipt's.
        Column("row_hash", "行ハッシュ", RowHash(), Kind.CODE),
        Column("receipt_row_hash", "受領記録の行ハッシュ", RowHash(of="receipt"), Kind.CODE),
    ),
)

LETTERS_ISSUED = Report(
    slug="letters",
    title=_("Letters issued"),
    description=_("Every letter generated for a request: kind, template version, status, dates."),
    date_field="created_at",
    date_label=_("created"),
    base=lambda: Letter.objects.all(),
    columns=(
        Column("letter_id", "書簡ID", "pk", Kind.INT),
        Column("request_reference", "受付番号", "request__reference", Kind.CODE),
        Column("request_type", "請求種別", "request__request_type", Kind.CODE),
        Column("kind", "書簡種別", "kind", Kind.CODE),
        Column("language", "言語", "language", Kind.CODE),
        Column("template_version", "テンプレート版", "template__version", Kind.INT),
        Column("status", "状態", "status", Kind.CODE),
        Column("created_at", "作成日時", "created_at", Kind.DATETIME),
        Column("generated_at", "生成日時", "generated_at", Kind.DATETIME),
        Column("sent_at", "送付日時", "sent_at", Kind.DATETIME),
        Column("sent_via", "送付方法", "sent_via", Kind.CODE),
        Column("tracking_number", "追跡番号", "tracking_number", Kind.TEXT),
        Column("sent_by", "送付者", "sent_by__username", Kind.TEXT),
        Column("page_count", "ページ数", "page_count", Kind.INT),
        Column("size", "サイズ(バイト)", "size", Kind.INT),
        Column("sha256", "SHA-256", "sha256", Kind.CODE),
    ),
)

DOCUMENT_VIEWINGS = Report(
    slug="document-viewings",
    title=_("Identity-document viewings"),
    description=_("Every opening of an identity document image: who, when, which document."),
    date_field="viewed_at",
    date_label=_("viewed"),
    base=lambda: DocumentViewing.objects.all(),
    columns=(
        Column("viewing_id", "閲覧ID", "pk", Kind.INT),
        Column("viewed_at", "閲覧日時", "viewed_at", Kind.DATETIME),
        Column("viewed_by", "閲覧者", "viewed_by__username", Kind.TEXT),
        Column("document_id", "書類ID", "document_id", Kind.INT),
        Column("document_type", "書類種別", "document__document_type", Kind.CODE),
        Column("for_agent", "代理人の書類", "document__for_agent", Kind.FLAG),
        Column("request_reference", "受付番号", "document__request__reference", Kind.CODE),
        Column("file_purged_at", "ファイル削除日時", "document__purged_at", Kind.DATETIME),
        Column("row_hash", "行ハッシュ", RowHash(), Kind.CODE),
    ),
)

SUPPRESSIONS = Report(
    slug="suppressions",
    title=_("Suppressions of third-party provision"),
    description=_(
        "Every stop of provision to third parties (第三者提供の停止): per customer and recipient, "
        "with the request, the dates and who recorded and lifted it."
    ),
    date_field="created_at",
    date_label=_("recorded"),
    base=lambda: ProvisionSuppression.objects.all(),
    columns=(
        Column("suppression_id", "停止ID", "pk", Kind.INT),
        Column("recorded_at", "記録日時", "created_at", Kind.DATETIME),
        Column("customer_number", "本人(顧客番号)", "customer__number", Kind.TEXT),
        # Empty recipient: provision to every third party stops.
        Column(
            "all_recipients",
            "全提供先",
            ExpressionWrapper(Q(recipient__isnull=True), output_field=BooleanField()),
            Kind.FLAG,
            "`1`: every recipient",
        ),
        Column("recipient_id", "提供先ID", "recipient_id", Kind.INT),
        Column("recipient_name", "提供先名称", "recipient__name", Kind.TEXT),
        Column("request_reference", "関連請求番号", "request_reference", Kind.TEXT),
        Column("recorded_by", "記録者", "created_by__username", Kind.TEXT),
        Column("lifted_at", "解除日時", "lifted_at", Kind.DATETIME),
        Column("lifted_by", "解除者", "lifted_by__username", Kind.TEXT),
        Column("note", "備考", "note", Kind.TEXT),
    ),
)

INCIDENT_AFFECTED = Report(
    slug="incident-affected",
    title=_("People affected by leak incidents (Art. 26)"),
    description=_(
        "Each incident's snapshot of the people affected: customer number and the source that "
        "found them, from our own data."
    ),
    date_field="added_at",
    date_label=_("added"),
    base=lambda: AffectedPerson.objects.all(),
    columns=(
        Column("affected_id", "ID", "pk", Kind.INT),
        Column("incident_reference", "管理番号", "incident__reference", Kind.CODE),
        Column("customer_number", "本人(顧客番号)", "customer__number", Kind.TEXT),
        Column("category", "特定方法", "category", Kind.CODE),
        Column("source", "特定元", "source", Kind.TEXT),
        Column("added_at", "追加日時", "added_at", Kind.DATETIME),
        Column("frozen_at", "確定日時", "incident__affected_frozen_at", Kind.DATETIME),
    ),
)

REPORTS: dict[str, Report] = {
    r.slug: r
    for r in (
        REQUEST_REGISTER,
        TRANSITION_LOG,
        CONSENT_LEDGER,
        PROVISION_RECORDS,
        RECEIPT_RECORDS,
        LETTERS_ISSUED,
        DOCUMENT_VIEWINGS,
        SUPPRESSIONS,
        MARKETING_LIST,
        INCIDENT_AFFECTED,
    )
}
