"""The demo's lawful story (issue 16): every demo recipient that needs one has its basis.

- the market-research partner (AGR-RESEARCH): consent to third-party provision;
- the US analytics partner (AGR-GLOBAL): consent to foreign provision, given after the Art. 28
  information for the US (versioned text the consent events name), for one customer in four;
- the telematics partner (AGR-TELEMATICS): opt-out provision under a filing published by the PPC
  and by the company;
- the insurance affiliate (AFF-INS): joint use under a group notice in force;
- the Tokyo dealer (D-TOKYO) handed over its customer list: an Art. 30 receipt record.
Idempotent like the rest of the demo: everything is looked up before it is made.
"""

from __future__ import annotations

from datetime import date, timedelta

from .models import (
    AcquisitionMethod,
    DataReceipt,
    ForeignBasis,
    ForeignTransferInfo,
    JointUseNotice,
    OptOutFiling,
    Recipient,
)
from .receipts import ReceiptDetails, receipt_record

ADDRESSES = {
    "AFF-FIN": ("東京都千代田区丸の内2-1-1", "代表取締役社長 青木 健一"),
    "AFF-INS": ("東京都中央区日本橋1-2-3", "代表取締役社長 石川 由美"),
    "D-TOKYO": ("東京都港区芝浦3-4-5", "代表取締役 上田 誠"),
    "D-KANAGAWA": ("神奈川県横浜市西区みなとみらい4-5-6", "代表取締役 江藤 亮"),
    "D-OSAKA": ("大阪府大阪市北区梅田5-6-7", "代表取締役 大西 拓也"),
    "AGR-RESEARCH": ("東京都新宿区西新宿6-7-8", "代表取締役 加藤 直子"),
    "AGR-GLOBAL": ("100 Market Street, San Francisco, CA, USA", "CEO John Smith"),
    "AGR-TELEMATICS": ("東京都品川区大崎7-8-9", "代表取締役 木村 浩"),
}
FOREIGN_CODE = "AGR-GLOBAL"
OPT_OUT_CODE = "AGR-TELEMATICS"
JOINT_USE_CODE = "AFF-INS"
RECEIPT_DEALER = "D-TOKYO"
# One customer in four with third-party consent also consented to the US provision.
FOREIGN_CONSENT_EVERY = 4


def lawful_bases(recipients: dict[str, Recipient], today: date) -> ForeignTransferInfo:
    """Addresses, the Art. 28 information, the opt-out filing and the joint-use notice."""
    for code, (address, representative) in ADDRESSES.items():
        recipient = recipients.get(code)
        if recipient is not None and not recipient.address:
            recipient.address, recipient.representative = address, representative
            recipient.save(update_fields=["address", "representative"])
    foreign = recipients[FOREIGN_CODE]
    if foreign.foreign_basis != ForeignBasis.CONSENT:
        foreign.foreign_basis = ForeignBasis.CONSENT
        foreign.save(update_fields=["foreign_basis"])
    info = ForeignTransferInfo.objects.filter(recipient=foreign, country="US").first()
    if info is None:
        info = ForeignTransferInfo.objects.create(
            recipient=foreign,
            country="US",
            version=1,
            country_name="アメリカ合衆国",
            country_system=(
                "連邦レベルで包括的な個人情報保護法はなく、分野別の連邦法と州法（カリフォルニア州"
                "消費者プライバシー法など）により保護されています。"
            ),
            recipient_measures=(
                "提供先は、OECDプライバシーガイドライン8原則に対応する措置（利用目的の特定、"
                "安全管理措置、委託先の監督等）を講じています。"
            ),
            effective_from=today - timedelta(days=500),
        )
    opt_out = recipients[OPT_OUT_CODE]
    if not OptOutFiling.objects.filter(recipients=opt_out).exists():
        filing = OptOutFiling.objects.create(
            reference="PPC-OPT-2024-0815",
            title="車両利用状況の統計用顧客リスト",
            data_items=list(opt_out.data_items or []),
            acquisition_method="新車購入時の申込書およびアフターサービス受付",
            provision_method="暗号化した電子ファイルを専用回線で送付",
            opt_out_method="お客様相談室（電話・書面）へのお申し出により提供を停止します",
            filed_on=date(2024, 8, 15),
            ppc_published_on=date(2024, 9, 2),
            company_published_on=date(2024, 9, 2),
        )
        filing.recipients.add(opt_out)
    joint = recipients[JOINT_USE_CODE]
    if not JointUseNotice.objects.filter(users=joint).exists():
        notice = JointUseNotice.objects.create(
            scheme="sample-group",
            version=1,
            users_description="当社および当社の子会社・関連会社（サンプル損害保険サービス株式会社）",
            data_items=list(joint.data_items or []),
            purposes="自動車保険のご案内および事故時のサービス提供",
            responsible_party=(
                "サンプル自動車株式会社 東京都中央区銀座1-1-1 代表取締役社長 山本 一郎"
            ),
            notified_on=date(2024, 3, 1),
            effective_from=date(2024, 4, 1),
        )
        notice.users.add(joint)
    return info


def dealer_receipt(recipients: dict[str, Recipient], numbers: list[str], today: date) -> None:
    """The Tokyo dealer's customer list, received with its Art. 30 record."""
    dealer = recipients[RECEIPT_DEALER]
    if not numbers or DataReceipt.objects.filter(provider=dealer).exists():
        return
    receipt_record(
        details=ReceiptDetails(
            provider=dealer,
            provider_name=dealer.name,
            provider_address=dealer.address,
            provider_representative=dealer.representative,
            acquisition=AcquisitionMethod.CONSENT,
            acquisition_detail="販売時にお客様から同意を得て取得（申込書の同意欄）",
            data_items=["name", "name_kana", "address", "phone"],
            received_on=today - timedelta(days=30),
        ),
        numbers=numbers,
        by=None,
    )
