"""Writes on customers, consent and suppressions: the only way these rows change; import from
here (migration 0006 does: these names stay).

- customers: create, update, erase, the search columns;
- consent: a consent change, withdrawing all, suppressions;
- checks: the error, reference and erasure checks both share.

Every function here is keyword-only, validates first and raises `ValidationError` with one of the
module-constant messages (tests assert them), and writes inside one transaction. Logs carry ids
only, never a name, address or e-mail.
"""

from .checks import (  # noqa: F401
    CUSTOMER_ERASED,
    REQUEST_REFERENCE_TOO_LONG,
)
from .consent import (  # noqa: F401
    CONSENT_BACKDATED,
    CONSENT_CHANNEL_NOT_OFFERED,
    CONSENT_IN_FUTURE,
    CONSENT_INVALID_ACTOR,
    CONSENT_INVALID_SOURCE,
    CONSENT_INVALID_STATE,
    CONSENT_PURPOSE_INACTIVE,
    CONSENT_REQUEST_REFERENCE_REQUIRED,
    CONSENT_STAFF_USER_REQUIRED,
    CONSENT_UNKNOWN_PURPOSE,
    EVIDENCE_BAD_TYPE,
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TOO_LARGE,
    FOREIGN_CONSENT_BEFORE_INFO,
    FOREIGN_CONSENT_NOT_PROVISION,
    SUPPRESSION_ALREADY_LIFTED,
    SUPPRESSION_WRONG_CUSTOMER,
    consent_change,
    consent_withdraw_all,
    privacy_notice_in_force,
    suppression_create,
    suppression_lift,
)
from .customers import (  # noqa: F401
    CUSTOMER_ALREADY_ERASED,
    CUSTOMER_FIELD_NOT_CHANGEABLE,
    CUSTOMER_FIELDS,
    CUSTOMER_IMMUTABLE_FIELDS,
    CUSTOMER_NUMBER_REQUIRED,
    CUSTOMER_PERSONAL_FIELDS,
    CUSTOMER_UNKNOWN_FIELDS,
    DATE_OF_BIRTH_IN_FUTURE,
    ERASE_REFERENCE_REQUIRED,
    KANA_INVALID,
    POSTAL_CODE_INVALID,
    POSTAL_CODE_LENGTH,
    SEARCH_INPUTS,
    customer_create,
    customer_erase,
    customer_search_columns,
    customer_update,
    kana_is_valid,
    kana_normalized_is_valid,
    normalize_customer_fields,
    search_columns,
)
