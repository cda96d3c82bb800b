"""Admin registrations, split by sub-domain: the workflow, and letters with alerts."""

from . import admin_letters, admin_requests  # noqa: F401
