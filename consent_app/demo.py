"""Demo customers, consent, recipients, suppressions and provision batches for `seed_demo`.

Deterministic from `seed` (one random.Random, no global state) and idempotent: customers are
keyed by number, recipients by code, and a second call finds everything and adds nothing. All
writes go through the services, so the demo data obeys the same rules as real data (ledger
behind every flag, history behind every customer).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from . import demo_lawful, services
from .models import (
    Channel,
    ConsentEvent,
    ConsentState,
    Customer,
    ProvisionBasis,
    ProvisionBatch,
    ProvisionSuppression,
    PurposeOfUse,
    Recipient,
    RecipientCategory,
)
from .provision import provision_batch_create, provision_batch_execute

# (kanji, katakana reading)
FAMILY_NAMES: list[tuple[str, str]] = [
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("後藤", "ゴトウ"),
    ("長谷川", "ハセガワ"),
    ("近藤", "コンドウ"),
    ("村上", "ムラカミ"),
]
GIVEN_NAMES: list[tuple[str, str]] = [
    ("太郎", "タロウ"),
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("翔太", "ショウタ"),
    ("大輔", "ダイスケ"),
    ("拓也", "タクヤ"),
    ("直樹", "ナオキ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("隆", "タカシ"),
    ("蓮", "レン"),
    ("悠真", "ユウマ"),
    ("花子", "ハナコ"),
    ("陽子", "ヨウコ"),
    ("美咲", "ミサキ"),
    ("由美", "ユミ"),
    ("恵子", "ケイコ"),
    ("真由美", "マユミ"),
    ("愛", "アイ"),
    ("さくら", "サクラ"),
    ("結衣", "ユイ"),
    ("陽菜", "ヒナ"),
    ("明美", "アケミ"),
    ("智子", "トモコ"),
]
# (prefecture, city and district, first three digits of its postal codes, phone area code)
PLACES: list[tuple[str, str, str, str]] = [
    ("東京都", "千代田区丸の内", "100", "03"),
    ("東京都", "世田谷区三軒茶屋", "154", "03"),
    ("東京都", "八王子市旭町", "192", "042"),
    ("神奈川県", "横浜市西区みなとみらい", "220", "045"),
    ("神奈川県", "川崎市中原区小杉町", "211", "044"),
    ("埼玉県", "さいたま市大宮区桜木町", "330", "048"),
    ("千葉県", "千葉市中央区富士見", "260", "043"),
    ("愛知県", "名古屋市中村区名駅", "450", "052"),
    ("大阪府", "大阪市北区梅田", "530", "06"),
    ("京都府", "京都市下京区烏丸通", "600", "075"),
    ("兵庫県", "神戸市中央区三宮町", "650", "078"),
    ("福岡県", "福岡市博多区博多駅前", "812", "092"),
    ("北海道", "札幌市中央区北一条西", "060", "011"),
    ("宮城県", "仙台市青葉区中央", "980", "022"),
    ("広島県", "広島市中区紙屋町", "730", "082"),
    ("静岡県", "静岡市葵区紺屋町", "420", "054"),
]
BUILDINGS = ["", "", "", " サンプルマンション101", " グリーンハイツ203", " 第二ビル5階"]
EMAIL_DOMAINS = ["example.co.jp", "example.ne.jp", "example.com", "mail.example.jp"]
ROMAJI = {
    "サトウ": "sato",
    "スズキ": "suzuki",
    "タカハシ": "takahashi",
    "タナカ": "tanaka",
    "イトウ": "ito",
    "ワタナベ": "watanabe",
    "ヤマモト": "yamamoto",
    "ナカムラ": "nakamura",
    "コバヤシ": "kobayashi",
    "カトウ": "kato",
    "ヨシダ": "yoshida",
    "ヤマダ": "yamada",
    "ササキ": "sasaki",
    "ヤマグチ": "yamaguchi",
    "マツモト": "matsumoto",
    "イノウエ": "inoue",
    "キムラ": "kimura",
    "ハヤシ": "hayashi",
    "サイトウ": "saito",
    "シミズ": "shimizu",
    "ヤマザキ": "yamazaki",
    "モリ": "mori",
    "イケダ": "ikeda",
    "ハシモト": "hashimoto",
    "アベ": "abe",
    "イシカワ": "ishikawa",
    "マエダ": "maeda",
    "フジタ": "fujita",
    "ゴトウ": "goto",
    "ハセガワ": "hasegawa",
    "コンドウ": "kondo",
    "ムラカミ": "murakami",
}

# code, name, category, agreement reference, country, contract serves as record, basis
RECIPIENTS: list[tuple[str, str, str, str, str, bool, str]] = [
    (
        "AFF-FIN",
        "サンプル自動車ファイナンス株式会社",
        RecipientCategory.AFFILIATE,
        "",
        "JP",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "AFF-INS",
        "サンプル損害保険サービス株式会社",
        RecipientCategory.AFFILIATE,
        "",
        "JP",
        False,
        ProvisionBasis.JOINT_USE,
    ),
    (
        "D-TOKYO",
        "東京サンプル自動車販売株式会社",
        RecipientCategory.DEALER,
        "",
        "JP",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "D-KANAGAWA",
        "神奈川サンプルモータース株式会社",
        RecipientCategory.DEALER,
        "",
        "JP",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "D-OSAKA",
        "大阪サンプル自動車株式会社",
        RecipientCategory.DEALER,
        "",
        "JP",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "AGR-RESEARCH",
        "株式会社サンプル市場調査",
        RecipientCategory.AGREEMENT,
        "ISA-2024-007",
        "JP",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "AGR-GLOBAL",
        "Sample Motors Global Analytics Inc.",
        RecipientCategory.AGREEMENT,
        "ISA-2025-012",
        "US",
        False,
        ProvisionBasis.CONSENT,
    ),
    (
        "AGR-TELEMATICS",
        "株式会社サンプルテレマティクス",
        RecipientCategory.AGREEMENT,
        "ISA-2023-031",
        "JP",
        False,
        ProvisionBasis.OPT_OUT,
    ),
]
DEALER_CODES = ["D-TOKYO", "D-KANAGAWA", "D-OSAKA"]
# This agreement ends within 60 days of the seed, so the dashboard has one to warn about.
ENDING_SOON_CODE = "AGR-TELEMATICS"
NUMBER_PREFIX = "C"


def customer_number(index: int) -> str:
    return f"{NUMBER_PREFIX}{index:08d}"


def fake_customer(rng: random.Random, index: int) -> dict:
    """One realistic customer's fields (kanji + kana name, address, phone, e-mail, birth date)."""
    family, family_kana = rng.choice(FAMILY_NAMES)
    given, given_kana = rng.choice(GIVEN_NAMES)
    prefecture, city, postal_prefix, area = rng.choice(PLACES)
    block = f"{rng.randint(1, 5)}-{rng.randint(1, 20)}-{rng.randint(1, 30)}"
    local_len = 10 - len(area)  # Japanese landline numbers have ten digits in all
    if rng.random() < 0.6:
        phone = f"0{rng.choice('789')}0-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
    else:
        local = f"{rng.randint(10 ** (local_len - 1), 10**local_len - 1)}"
        phone = f"{area}-{local[: local_len - 4]}-{local[-4:]}"
    romaji = ROMAJI.get(family_kana, "user")
    email = f"{romaji}.{index}@{rng.choice(EMAIL_DOMAINS)}" if rng.random() < 0.8 else ""
    today = date(2026, 4, 1)
    birth = today - timedelta(days=rng.randint(18 * 365, 85 * 365))
    return {
        "number": customer_number(index),
        "family_name": family,
        "given_name": given,
        "family_name_kana": family_kana,
        "given_name_kana": given_kana,
        "postal_code": f"{postal_prefix}-{rng.randint(0, 9999):04d}",
        "prefecture": prefecture,
        "address": f"{city}{block}{rng.choice(BUILDINGS)}",
        "phone": phone,
        "email": email,
        "date_of_birth": birth,
        "preferred_language": "en" if rng.random() < 0.05 else "ja",
    }


def _recipients(today: date) -> dict[str, Recipient]:
    out: dict[str, Recipient] = {}
    for code, name, category, ref, country, contract, basis in RECIPIENTS:
        recipient = Recipient.objects.filter(code=code).first()
        if recipient is None:
            start = date(2024, 4, 1) if ref else None
            end = None
            if ref:
                end = today + timedelta(days=45) if code == ENDING_SOON_CODE else date(2028, 3, 31)
            items = ["name", "name_kana", "address", "phone"]
            if category == RecipientCategory.AGREEMENT:
                items = ["name_kana", "address", "date_of_birth"]
            recipient = Recipient.objects.create(
                code=code,
                name=name,
                category=category,
                agreement_reference=ref,
                agreement_start=start,
                agreement_end=end,
                country=country,
                data_items=items,
                basis=basis,
                contract_serves_as_record=contract,
                active=True,
            )
        out[code] = recipient
    return out


def demo_customers(*, count: int, seed: int) -> Iterator[tuple[dict, str, list[float]]]:
    """The demo customers: (fields, dealer code, consent draws), a pure function of `seed`.

    Every random number is drawn here, in one order, whatever the database holds, so the
    N-th customer is always the same person.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    for index in range(1, count + 1):
        fields = fake_customer(rng, index)
        dealer_code = rng.choice(DEALER_CODES)
        draws = [rng.random() for _ in range(6)]
        yield fields, dealer_code, draws


def seed(*, customers: int, seed: int, users: dict) -> dict:
    """Load the demo data; returns counts of what exists afterwards."""
    staff = users.get("staff")
    today = timezone.localdate()
    purposes = {p.code: p for p in PurposeOfUse.objects.all()}
    with transaction.atomic():
        recipients = _recipients(today)
        foreign_info = demo_lawful.lawful_bases(recipients, today)
        existing = set(
            Customer.objects.filter(number__startswith=NUMBER_PREFIX).values_list(
                "number", flat=True
            )
        )
        created: list[Customer] = []
        generated = demo_customers(count=customers, seed=seed)
        for index, (fields, dealer_code, draws) in enumerate(generated, start=1):
            if fields["number"] in existing:
                continue
            customer = services.customer_create(by=staff, dealer=recipients[dealer_code], **fields)
            _consent(customer, purposes, draws, staff, index, foreign_info)
            created.append(customer)
        if created:
            _suppressions(created, recipients, staff)
            demo_lawful.dealer_receipt(
                recipients,
                [c.number for c in created if c.dealer_id == recipients["D-TOKYO"].pk],
                today,
            )
            _batches(recipients, purposes, staff)
    return {
        "customers": Customer.objects.filter(number__startswith=NUMBER_PREFIX).count(),
        "recipients": Recipient.objects.filter(code__in=[r[0] for r in RECIPIENTS]).count(),
        "consent_events": ConsentEvent.objects.count(),
        "suppressions": ProvisionSuppression.objects.count(),
        "provision_batches": ProvisionBatch.objects.count(),
    }


def _consent(customer, purposes, draws, staff, index, foreign_info) -> None:
    base = timezone.now() - timedelta(days=400 - index % 300)
    sources = [ConsentEvent.Source.WEB, ConsentEvent.Source.LETTER, ConsentEvent.Source.PHONE]
    plan = [
        ("marketing", Channel.POST, 0.8),
        ("marketing", Channel.PHONE, 0.4),
        ("marketing", Channel.EMAIL, 0.7),
        ("survey", Channel.ANY, 0.5),
        ("third_party_provision", Channel.ANY, 0.75),
    ]
    for offset, (code, channel, rate) in enumerate(plan):
        purpose = purposes.get(code)
        if purpose is None or draws[offset] >= rate:
            continue
        source = sources[(index + offset) % 3]
        services.consent_change(
            customer=customer,
            purpose=purpose,
            channel=channel,
            new_state=ConsentState.GRANTED,
            actor=ConsentEvent.Actor.STAFF
            if staff and source != "web"
            else ConsentEvent.Actor.CUSTOMER,
            source=source,
            by=None if source == "web" else staff,
            occurred_at=base + timedelta(minutes=offset),
        )
    # Some of them were also told the Art. 28 information and consented to the US provision.
    provision_flag = customer.consent_flags.filter(
        purpose__code="third_party_provision", state=ConsentState.GRANTED
    ).exists()
    if provision_flag and index % demo_lawful.FOREIGN_CONSENT_EVERY == 0:
        services.consent_change(
            customer=customer,
            purpose=purposes["third_party_provision"],
            channel=Channel.ANY,
            new_state=ConsentState.GRANTED,
            actor=ConsentEvent.Actor.CUSTOMER,
            source=ConsentEvent.Source.LETTER,
            by=staff,
            note="外国にある第三者への提供への同意（米国、同意書）",
            occurred_at=base + timedelta(days=1),
            foreign_transfer_info=foreign_info,
        )
    # One customer in ten later asked to stop marketing e-mails.
    if draws[5] < 0.1 and "marketing" in purposes:
        flag = customer.consent_flags.filter(
            purpose=purposes["marketing"], channel=Channel.EMAIL, state=ConsentState.GRANTED
        ).first()
        if flag:
            services.consent_change(
                customer=customer,
                purpose=purposes["marketing"],
                channel=Channel.EMAIL,
                new_state=ConsentState.WITHDRAWN,
                actor=ConsentEvent.Actor.CUSTOMER,
                source=ConsentEvent.Source.PHONE,
                by=staff,
                note="メール配信停止のご依頼（電話）",
                occurred_at=base + timedelta(days=30),
            )


def _suppressions(created, recipients, staff) -> None:
    for position, customer in enumerate(created[7::37][:4]):
        services.suppression_create(
            customer=customer,
            recipient=None if position % 2 == 0 else recipients["AGR-RESEARCH"],
            by=staff,
            note="第三者提供停止のお申し出（電話）",
        )


# One completed batch per basis, each to a recipient with what makes it lawful.
BATCH_RECIPIENTS = ("AGR-RESEARCH", "AGR-GLOBAL", "AGR-TELEMATICS", "AFF-INS")


def _batches(recipients, purposes, staff) -> None:
    """Completed batches run in-process: consent, foreign consent, opt-out, joint use."""

    purpose = purposes.get("third_party_provision")
    if purpose is None:
        return
    for code in BATCH_RECIPIENTS:
        recipient = recipients[code]
        if ProvisionBatch.objects.filter(recipient=recipient).exists():
            continue
        batch = provision_batch_create(
            recipient=recipient, purpose=purpose, by=staff, enqueue=False
        )
        provision_batch_execute(batch_id=batch.pk)
