"""Admin registrations, split by sub-domain: the requests and the records beside them, letters,
letter templates, and deadline alerts."""

from . import (  # noqa: F401
    admin_alerts,
    admin_letter_templates,
    admin_letters,
    admin_records,
    admin_requests,
)
