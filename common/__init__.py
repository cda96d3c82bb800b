"""Code every app may use: it imports no app of the project (privacyoffice, consent_app,
requests_app, ...), only Django and the libraries.

For now: CSV safety (the formula guard) and the one CSV streamer (PostgreSQL COPY, or the ORM
iterator elsewhere), shared by the audit reports, marketing lists and electronic disclosure copies.
"""
