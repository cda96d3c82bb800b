"""Demo privacy requests for `seed_demo`: every state and type, with documents and comments.

Deterministic from `seed` (one random.Random) and idempotent: the demo requests carry a marker
in their notes, and a second call finds them and adds nothing. Every request is driven through
the real services, so the transition log, the letters, the deadlines, the documents and the
fulfilment effects are exactly what staff would produce. Requests that reach verification are
linked to consent_app's demo customers (when there are any; else "no data held").
"""

from __future__ import annotations

import io
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_fsm_log.models import StateLog
from PIL import Image, ImageDraw
from pypdf import PdfWriter

from consent_app.models import Customer

from . import services
from .models import (
    AgentType,
    CorrectionItem,
    DisclosureRequest,
    FeePaymentMethod,
    IdentityDocument,
    RequestState,
    RequestType,
)
from .request_types import spec_for

DEMO_MARKER = "[demo]"
TOKYO = ZoneInfo("Asia/Tokyo")

# How far each demo request goes: the state it ends in.
ORDER = [
    RequestState.INQUIRY,
    RequestState.FORM_SENT,
    RequestState.DOCUMENTS_RECEIVED,
    RequestState.VERIFIED,
    RequestState.RESPONSE_DRAFTED,
    RequestState.RESPONDED,
    RequestState.CLOSED,
]

COMMENTS = [
    "本人より電話あり。書類は今週中に返送予定とのこと。",
    "本人確認書類の住所と申請書の住所が一致することを確認。",
    "販売会社に照会中（回答待ち）。",
    "開示範囲について課長と相談済み。",
    "返信用封筒の同封を確認。",
]
GROUNDS = [
    "ダイレクトメールが不要になったため。",
    "登録されている住所が転居前のものになっているため。",
    "第三者への提供をやめてほしい。",
    "保有している情報をすべて確認したい。",
]


@dataclass
class Plan:
    request_type: str
    target: str
    agent: bool = False
    no_data: bool = False
    overdue: bool = False
    extra: dict = field(default_factory=dict)


def _plans() -> list[Plan]:
    plans = []
    # Every type through every state of the main path.
    for request_type in RequestType.values:
        for target in ORDER:
            plans.append(Plan(request_type, target))
    plans += [
        Plan(RequestType.DISCLOSURE, RequestState.VERIFIED, overdue=True),
        Plan(RequestType.CORRECTION, RequestState.DOCUMENTS_RECEIVED, overdue=True),
        Plan(RequestType.DISCLOSURE, RequestState.VERIFIED, agent=True),
        Plan(RequestType.PURPOSE_NOTICE, RequestState.RESPONDED, no_data=True),
        Plan(RequestType.DISCLOSURE, RequestState.WITHDRAWN),
        Plan(RequestType.ERASURE, RequestState.WITHDRAWN),
        Plan(RequestType.DISCLOSURE, RequestState.LAPSED),
        Plan(RequestType.PROVISION_STOP, RequestState.LAPSED),
        # Still waiting for the form, past the lapse period: the "may lapse" filter shows it.
        Plan(RequestType.RECORD_DISCLOSURE, RequestState.FORM_SENT, extra={"stale": True}),
    ]
    return plans


def _png(rng: random.Random) -> bytes:

    image = Image.new("RGB", (320, 200), (240, 240, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle([8, 8, 312, 192], outline=(40, 90, 160), width=4)
    draw.rectangle([20, 40, 100, 150], fill=(190, 200, 215))
    for row in range(5):
        width = rng.randint(120, 190)
        draw.rectangle([115, 45 + row * 22, 115 + width, 55 + row * 22], fill=(90, 90, 90))
    draw.text((115, 165), "SAMPLE", fill=(180, 30, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf() -> bytes:

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _upload(request, by, rng: random.Random, *, document_type: str, for_agent: bool = False):
    is_pdf = document_type in {
        IdentityDocument.DocumentType.RESIDENCE_CERTIFICATE,
        IdentityDocument.DocumentType.POWER_OF_ATTORNEY,
    }
    data = _pdf() if is_pdf else _png(rng)
    upload = ContentFile(data, name="scan.pdf" if is_pdf else "scan.png")
    return services.identity_document_upload(
        request=request, document_type=document_type, file=upload, by=by, for_agent=for_agent
    )


def _details(plan: Plan, person, rng: random.Random) -> dict:
    details: dict = {
        "requester_name": person["name"],
        "requester_name_kana": person["kana"],
        "requester_postal_code": person["postal_code"],
        "requester_address": person["address"],
        "requester_phone": person["phone"],
        "requester_date_of_birth": person["date_of_birth"],
        "channel": rng.choice(["post", "post", "phone", "email", "web"]),
        "notes": f"{DEMO_MARKER} デモ用の請求です。",
    }
    spec = spec_for(plan.request_type)
    if spec.asks("disclosure_method_requested"):
        details["disclosure_method_requested"] = rng.choice(["paper", "paper", "electronic"])
    if spec.fee_bearing and rng.random() < 0.6:
        details["fee_amount"] = 1000
        details["fee_payment_method"] = FeePaymentMethod.POSTAL_MONEY_ORDER
    if plan.request_type == RequestType.ERASURE:
        details["use_measure"] = rng.choice(["suspend_use", "suspend_use", "erase"])
        details["legal_ground"] = "no_longer_needed"
    if plan.request_type == RequestType.PROVISION_STOP:
        details["legal_ground"] = "rights_harm"
    if spec.art35:
        details["request_grounds"] = rng.choice(GROUNDS)
    if plan.agent:
        details.update(
            agent_type=AgentType.APPOINTED_AGENT,
            agent_name="弁護士 青木 恵",
            agent_address="東京都港区虎ノ門1-2-3 青木法律事務所",
        )
    return details


def _person(customer, rng: random.Random) -> dict:
    if customer is not None:
        return {
            "name": customer.full_name,
            "kana": customer.full_name_kana,
            "postal_code": customer.postal_code,
            "address": customer.address,
            "phone": customer.phone,
            "date_of_birth": customer.date_of_birth,
        }
    return {
        "name": rng.choice(["小川 美穂", "西村 亮", "福田 直子"]),
        "kana": "オガワ ミホ",
        "postal_code": "530-0001",
        "address": "大阪府大阪市北区梅田1-1-1",
        "phone": "06-0000-1234",
        "date_of_birth": date(1980, 5, 17),
    }


def _outcome_for(request: DisclosureRequest, rng: random.Random) -> dict:
    if request.no_data_held:
        return {"outcome": "no_data_held"}
    kind = request.request_type
    if kind == RequestType.CORRECTION:
        return {"outcome": "fulfilled", "summary": "ご住所を訂正しました。"}
    if spec_for(kind).discloses_data:
        if rng.random() < 0.15:
            return {
                "outcome": "refused",
                "refusal_ground": "business_hindrance",
                "explanation": (
                    "ご請求の範囲が極めて広範で、業務の適正な実施に著しい支障を及ぼす"
                    "おそれがあるため。"
                ),
            }
        method = request.disclosure_method_requested or "paper"
        return {
            "outcome": "fulfilled",
            "method_used": method,
            "summary": "保有個人データを開示します。",
        }
    return {"outcome": "fulfilled", "summary": "ご請求のとおり対応しました。"}


@contextmanager
def _clock(at: datetime):
    """Run the services as if it were `at`: every timezone.now() they (and auto_now_add fields)
    read, and the transition log's own default timestamp, so the demo's history reads as it
    would have happened: letters, steps, documents and comments each on its own day."""
    statelog_timestamp = StateLog._meta.get_field("timestamp")
    saved_default = statelog_timestamp.default
    # Field caches its default getter (the cached_property _get_default): drop it each time.
    statelog_timestamp.__dict__.pop("_get_default", None)
    statelog_timestamp.default = lambda: at
    try:
        with mock.patch("django.utils.timezone.now", return_value=at):
            yield
    finally:
        statelog_timestamp.default = saved_default
        statelog_timestamp.__dict__.pop("_get_default", None)


class _Calendar:
    """Office hours, day by day: `after(min, max)` moves on that many days (9:00-17:30 Tokyo)."""

    def __init__(self, start: datetime, rng: random.Random) -> None:
        self.now = start
        self.rng = rng

    def after(self, low: int, high: int) -> datetime:
        day = timezone.localtime(self.now).date() + timedelta(days=self.rng.randint(low, high))
        minutes = self.rng.randint(9 * 60, 17 * 60 + 30)
        moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=TOKYO)
        # Never in the future: a late step of a recent request happens today, just now.
        moment = min(moment, timezone.now() - timedelta(minutes=30))
        self.now = max(moment, self.now + timedelta(minutes=1))
        return self.now


# Days between the steps of the main path (low, high): form out the next working day or so,
# documents back within two weeks, then verification, drafting, approval and closing.
GAPS = {
    "send_form": (0, 2),
    "receive_documents": (4, 12),
    "verify_identity": (0, 2),
    "draft_response": (1, 5),
    "approve_and_send": (1, 3),
    "close": (1, 6),
}
STEPS = list(GAPS)
# How far each target goes along the main path.
STEPS_TO = {
    RequestState.INQUIRY: 0,
    RequestState.FORM_SENT: 1,
    RequestState.DOCUMENTS_RECEIVED: 2,
    RequestState.VERIFIED: 3,
    RequestState.RESPONSE_DRAFTED: 4,
    RequestState.RESPONDED: 5,
    RequestState.CLOSED: 6,
}
LAPSE_WAIT_DAYS = 75  # past REQUEST_LAPSE_DAYS (60): the form went out, nothing came back


def _start(plan: Plan, rng: random.Random) -> datetime:
    """When the request came in: finished requests spread over the past six months; open ones
    recent, their clock inside the deadline (the overdue ones 25 days past their documents)."""
    steps = STEPS_TO.get(plan.target, 2)
    span = sum(sum(GAPS[name]) // 2 for name in STEPS[:steps])
    if plan.target == RequestState.LAPSED or plan.extra.get("stale"):
        span = LAPSE_WAIT_DAYS + 5
    if plan.overdue:
        span = 25 + sum(GAPS[name][0] for name in STEPS[:2])
    elif plan.target in (RequestState.RESPONDED, RequestState.CLOSED, RequestState.WITHDRAWN):
        span += rng.randint(5, 170)
    elif plan.target != RequestState.LAPSED and not plan.extra.get("stale"):
        span += rng.randint(0, 3)
    return timezone.now() - timedelta(days=span)


def _drive(plan: Plan, customer, users: dict, rng: random.Random):
    staff = users["staff"] if rng.random() < 0.6 else users.get("staff2", users["staff"])
    manager, manager2 = users["manager"], users.get("manager2", users["manager"])
    calendar = _Calendar(_start(plan, rng), rng)
    received_at = calendar.after(0, 0)
    person = _person(customer if not plan.no_data else None, rng)
    details = _details(plan, person, rng)
    with _clock(received_at):
        request = services.request_create(
            by=staff,
            request_type=plan.request_type,
            received_at=received_at,
            assignee=staff,
            **details,
        )
    documents = comments = 0
    if rng.random() < 0.5:
        with _clock(calendar.after(0, 1)):
            services.request_comment_add(request=request, author=staff, body=rng.choice(COMMENTS))
        comments += 1
    target = plan.target
    if target == RequestState.INQUIRY:
        return request, documents, comments
    if target == RequestState.WITHDRAWN and rng.random() < 0.5:
        with _clock(calendar.after(1, 10)):
            services.request_withdraw(request=request, by=staff, reason="本人より取下げの連絡")
        return request, documents, comments
    with _clock(calendar.after(*GAPS["send_form"])):
        request = services.request_send_form(request=request, by=staff)
    if target == RequestState.LAPSED or plan.extra.get("stale"):
        # The form went out long ago and nothing came back (the lapse period has passed).
        if target == RequestState.LAPSED:
            with _clock(calendar.after(LAPSE_WAIT_DAYS - 5, LAPSE_WAIT_DAYS)):
                request = services.request_lapse(request=request, by=staff)
        return request, documents, comments
    if target == RequestState.FORM_SENT:
        return request, documents, comments
    arrived = calendar.after(*GAPS["receive_documents"])
    if plan.overdue:
        # 25 days ago (the form went out 27-29 days ago): well past the two-week deadline.
        arrived = max(calendar.now, timezone.now() - timedelta(days=25))
        calendar.now = arrived
    with _clock(arrived):
        _upload(request, staff, rng, document_type=rng.choice(["drivers_licence", "passport"]))
        documents += 1
        if plan.agent:
            _upload(request, staff, rng, document_type="drivers_licence", for_agent=True)
            _upload(request, staff, rng, document_type="power_of_attorney", for_agent=True)
            documents += 2
        received_on = timezone.localtime(arrived).date()
        request = services.request_receive_documents(
            request=request, by=staff, received_on=received_on
        )
    if target == RequestState.WITHDRAWN:
        with _clock(calendar.after(1, 5)):
            request = services.request_withdraw(
                request=request, by=staff, reason="本人より取下げの連絡"
            )
        return request, documents, comments
    if target == RequestState.DOCUMENTS_RECEIVED:
        return request, documents, comments
    link = customer if customer is not None and not plan.no_data else None
    with _clock(calendar.after(*GAPS["verify_identity"])):
        request = services.request_verify_identity(
            request=request,
            by=staff,
            customer=link,
            no_data_held=link is None,
            comment="運転免許証の写しで本人確認",
        )
        if request.request_type == RequestType.CORRECTION:
            CorrectionItem.objects.create(
                request=request,
                field_name="address",
                current_value=getattr(link, "address", ""),
                requested_value="東京都港区芝公園4-2-8",
            )
    if target == RequestState.VERIFIED:
        return request, documents, comments
    drafter = manager2
    with _clock(calendar.after(*GAPS["draft_response"])):
        request = services.request_draft_response(
            request=request, by=drafter, **_outcome_for(request, rng)
        )
    if target == RequestState.RESPONSE_DRAFTED:
        return request, documents, comments
    with _clock(calendar.after(*GAPS["approve_and_send"])):
        if request.fee_due and request.fee_received_on is None:
            request = services.request_update(
                request=request, by=staff, changes={"fee_received_on": received_on}
            )
        request = services.request_approve_and_send(request=request, by=manager, comment="承認")
    if target == RequestState.RESPONDED:
        return request, documents, comments
    with _clock(calendar.after(*GAPS["close"])):
        request = services.request_close(request=request, by=staff)
    return request, documents, comments


def seed(*, seed: int, users: dict) -> dict:
    """Create the demo requests once; a second call reports what is there and adds nothing."""
    existing = DisclosureRequest.objects.filter(notes__startswith=DEMO_MARKER)
    if existing.exists():
        return {"requests": existing.count(), "created": 0}

    rng = random.Random(seed)  # noqa: S311 (demo data, reproducible on purpose)
    customers = list(Customer.objects.filter(erased_at__isnull=True).order_by("number")[:400])
    plans = _plans()
    picked = rng.sample(customers, k=min(len(customers), len(plans))) if customers else []
    created = documents = comments = 0
    with transaction.atomic():
        for index, plan in enumerate(plans):
            customer = picked[index] if index < len(picked) else None
            _request, docs_made, comments_made = _drive(plan, customer, users, rng)
            created += 1
            documents += docs_made
            comments += comments_made
    return {"requests": created, "documents": documents, "comments": comments}
