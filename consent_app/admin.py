"""The staff screens for customers, consent, recipients and provision (thin: services do the work).

Big tables (customers, flags, events, records) have no date_hierarchy (its DISTINCT over dates is
slow at millions of rows), no full result count, list_select_related for constant query counts,
and list filters only on fields with choices. Append-only models refuse change and delete to
everyone; consent changes, suppressions, batches and imports go through custom pages that call
the services.

The admins live in modules by sub-domain; importing them here registers them with the site:
`admin_customers` (customers and the CSV import), `admin_consent` (purposes, notices, consent
flags and the ledger), `admin_provision` (recipients, suppressions, batches, records),
`admin_lawful` (the lawful bases, issue 16). What they share is in `admin_mixins`.
"""

from . import admin_consent, admin_customers, admin_lawful, admin_provision  # noqa: F401
