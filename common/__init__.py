"""Code every app may use: it imports no app of the project (privacyoffice, consent_app,
requests_app, incidents_app), only Django and the libraries (tests/test_dependencies.py checks).

- admin.py: ReadOnlyAdminMixin and the form page of a service (`form_page`);
  forms.py: `add_service_errors`; paginators.py: the estimated-count paginator of big lists;
- tasks.py: the base of a task on one row (its retries, and the failure recorded on the row);
- csv_safety.py, csv_stream.py: the formula guard and the one CSV streamer (PostgreSQL COPY, or
  the ORM iterator elsewhere), shared by the audit reports, marketing lists and electronic copies;
- dates.py: the plausible range of every date input, and a local day's datetime bounds;
- progress.py: progress of a long job;
- inventory/: the personal-data inventory, which classifies every app's models (by label).
"""
