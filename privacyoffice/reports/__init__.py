"""CSV reports for auditors: definitions, the streaming writers (PostgreSQL COPY and the ORM
path for SQLite) and the export services."""

from .definitions import REPORTS, Report

__all__ = ["REPORTS", "Report"]
