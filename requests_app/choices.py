"""The request's choices: types, states (with the groups the rules use), outcomes, refusal grounds
and the other enumerations of its fields. models.py imports them, so `from requests_app.models
import RequestState` keeps working."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    PURPOSE_NOTICE = "purpose_notice", _("Notification of purpose of use (Art. 32(2))")
    DISCLOSURE = "disclosure", _("Disclosure of retained personal data (Art. 33(1))")
    RECORD_DISCLOSURE = (
        "record_disclosure",
        _("Disclosure of third-party provision records (Art. 33(5))"),
    )
    CORRECTION = "correction", _("Correction, addition or deletion (Art. 34)")
    ERASURE = "erasure", _("Suspension of use or erasure (Art. 35(1))")
    PROVISION_STOP = "provision_stop", _("Suspension of provision to third parties (Art. 35(3))")

    @classmethod
    def fee_bearing(cls) -> set[str]:
        # APPI Art. 38: fees only for purpose notice and the two disclosure types (the registry).
        from .request_types import fee_bearing_types

        return fee_bearing_types()


class FeePaymentMethod(models.TextChoices):
    """How a fee (Art. 38) reached us: the published procedure names these."""

    POSTAL_MONEY_ORDER = "postal_money_order", _("Postal money order (teigaku kogawase)")
    CASH_REGISTERED_MAIL = "cash_registered_mail", _("Cash by registered mail")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class RequestState(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    FORM_SENT = "form_sent", _("Form sent")
    DOCUMENTS_RECEIVED = "documents_received", _("Documents received")
    VERIFIED = "verified", _("Identity verified")
    RESPONSE_DRAFTED = "response_drafted", _("Response drafted")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed")

    @classmethod
    def open_states(cls) -> list[str]:
        return [
            cls.INQUIRY,
            cls.FORM_SENT,
            cls.DOCUMENTS_RECEIVED,
            cls.VERIFIED,
            cls.RESPONSE_DRAFTED,
        ]

    @classmethod
    def clock_running_states(cls) -> list[str]:
        """States in which the response deadline runs (documents received, no answer yet)."""
        return [cls.DOCUMENTS_RECEIVED, cls.VERIFIED, cls.RESPONSE_DRAFTED]


OPEN_STATES = RequestState.open_states()


class Outcome(models.TextChoices):
    FULFILLED = "fulfilled", _("Fulfilled")
    PARTLY_FULFILLED = "partly_fulfilled", _("Partly fulfilled")
    REFUSED = "refused", _("Refused")
    NO_DATA_HELD = "no_data_held", _("No data held")
    ALTERNATIVE_MEASURE = "alternative_measure", _("Alternative measure")


class RefusalGround(models.TextChoices):
    """The grounds the law allows for refusing (wholly or partly), per request type."""

    # Art. 32(2) provisos: purpose notice.
    PURPOSE_ALREADY_CLEAR = (
        "purpose_already_clear",
        _("The purposes of use are already clear from the published notice (Art. 32(2)(i))"),
    )
    PURPOSE_ART21_EXCEPTION = (
        "purpose_art21_exception",
        _("Notifying the purposes falls under Art. 21(4)(i)–(iii) (Art. 32(2)(ii))"),
    )
    # Art. 33(2): disclosure and record disclosure (33(5) applies the same grounds).
    HARM_TO_PERSON = (
        "harm_to_person",
        _(
            "Harm to the life, body, property or other rights of the person or a third party "
            "(Art. 33(2)(i))"
        ),
    )
    BUSINESS_HINDRANCE = (
        "business_hindrance",
        _("Serious hindrance to the proper conduct of our business (Art. 33(2)(ii))"),
    )
    OTHER_LAW = "other_law", _("Disclosure would violate another law (Art. 33(2)(iii))")
    # Art. 34: correction only of untrue content.
    CONTENT_TRUE = (
        "content_true",
        _("The investigation found the content true (Art. 34(2))"),
    )
    # Art. 35: none of the grounds for suspension, erasure or stopping provision is met.
    ART35_GROUNDS_NOT_MET = (
        "art35_grounds_not_met",
        _("None of the grounds of Art. 35 is met"),
    )

    @classmethod
    def for_type(cls, request_type: str) -> list[str]:
        from .request_types import REQUEST_TYPES

        spec = REQUEST_TYPES.get(request_type)
        return list(spec.refusal_grounds) if spec else []


class Art35Ground(models.TextChoices):
    """The ground the person gives for an Art. 35 request (stored with the request)."""

    BEYOND_PURPOSE = "beyond_purpose", _("Use beyond the purpose (Art. 18)")
    IMPROPER_USE = "improper_use", _("Improper use (Art. 19)")
    IMPROPER_ACQUISITION = "improper_acquisition", _("Improper acquisition (Art. 20)")
    PROVISION_BREACH = (
        "provision_breach",
        _("Provision in breach of Art. 27(1) or 28 (Art. 35(3))"),
    )
    NO_LONGER_NEEDED = "no_longer_needed", _("No longer needed for the purpose (Art. 35(5))")
    LEAK = "leak", _("A reportable leak involving the person's data (Art. 26, 35(5))")
    RIGHTS_HARM = (
        "rights_harm",
        _("Other handling likely to harm the person's rights or interests (Art. 35(5))"),
    )


class UseMeasure(models.TextChoices):
    """What an Art. 35(1) request asks for: the one type covers two measures."""

    SUSPEND_USE = "suspend_use", _("Suspension of use")
    ERASE = "erase", _("Erasure")


class RequestChannel(models.TextChoices):
    POST = "post", _("Post")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    WEB = "web", _("Web form")
    COUNTER = "counter", _("In person")


class DisclosureMethod(models.TextChoices):
    PAPER = "paper", _("Paper (post)")
    ELECTRONIC = "electronic", _("Electronic record")


class AgentType(models.TextChoices):
    NONE = "", _("The person themself")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    APPOINTED_AGENT = "appointed_agent", _("Appointed agent (power of attorney)")


class DayKind(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    BUSINESS = "business", _("Business days")
