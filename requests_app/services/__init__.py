"""Writes of the request workflow, split by sub-domain; import from here.

- intake: create (reference, duplicate flag), details, assignment, comments;
- workflow: every transition, deadline extension, bulk lapse;
- fulfilment: outcome rules and the data changes a fulfilled request makes;
- documents: identity-document upload, viewing and purge.
"""

from .documents import (  # noqa: F401
    identity_document_open,
    identity_document_upload,
    identity_documents_purge_due,
    identity_documents_purge_for_request,
    sniff_identity_document,
    validate_identity_document_file,
)
from .fulfilment import correction_value, request_fulfil, validate_outcome  # noqa: F401
from .intake import (  # noqa: F401
    DETAIL_FIELDS,
    request_assign,
    request_bulk_assign,
    request_comment_add,
    request_correct_received_at,
    request_create,
    request_update,
    validate_request_details,
)
from .workflow import (  # noqa: F401
    TRANSITION_SERVICES,
    request_approve_and_send,
    request_bulk_lapse,
    request_close,
    request_draft_response,
    request_extend_deadline,
    request_lapse,
    request_more_documents,
    request_receive_documents,
    request_send_back,
    request_send_form,
    request_verify_identity,
    request_withdraw,
    transition_blockers,
    transition_label,
)
