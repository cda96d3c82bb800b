"""The site's own models (privacyoffice) and those of Django and the third-party apps (staff
accounts, security logs, infrastructure) in the personal-data inventory."""

from __future__ import annotations

from .entries import C, ModelEntry
from .entries import all_of as _all

PRIVACYOFFICE: dict[str, ModelEntry] = {
    # A background customer import: the file (many people's data) is kept until the job ends;
    # a problem's message may quote a value from a row (copies of the customer records).
    "consent_app.CustomerImportJob": ModelEntry(
        fields={
            **_all(
                C.NONE,
                "id",
                "created_at",
                "status",
                "size",
                "encoding",
                "dry_run",
                "collected_by_us",
                "receipt",
                "estimated_rows",
                "progress_rows",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "rows",
                "created",
                "updated",
                "unchanged",
                "error_count",
                "message",
            ),
            "uploaded_by": C.STAFF,
            "file": C.DERIVED,
            "errors": C.DERIVED,
        },
    ),
    "privacyoffice.ExportLog": ModelEntry(
        fields={
            "id": C.NONE,
            "report": C.NONE,
            "filters": C.NONE,
            "encoding": C.NONE,
            "exported_by": C.STAFF,
            "created_at": C.NONE,
            "finished_at": C.NONE,
            "status": C.NONE,
            "row_count": C.NONE,
            "is_background": C.NONE,
            # A report file holds many people's data: copies of what their disclosures show.
            "file": C.DERIVED,
            "error": C.NONE,
            "header": C.NONE,
            "started_at": C.NONE,
            "estimated_rows": C.NONE,
            "progress_rows": C.NONE,
            "replaced_characters": C.NONE,
            "size": C.NONE,
            "sha256": C.NONE,
            "file_purged_at": C.NONE,
            "values": C.NONE,
            "retry_of": C.NONE,
            "heartbeat_at": C.NONE,
        },
    ),
    # Hash chains of the ledgers (privacyoffice.ledgers): sequence numbers, hashes and ids only.
    "privacyoffice.LedgerHead": ModelEntry(fields=_all(C.NONE, "ledger", "seq", "hash")),
    "privacyoffice.RetentionPurge": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "ledger",
            "rule",
            "purged_at",
            "first_seq",
            "last_seq",
            "last_hash",
            "row_count",
            "object_ids",
        )
    ),
    "privacyoffice.LedgerDigest": ModelEntry(
        fields=_all(C.NONE, "id", "taken_at", "heads", "digest")
    ),
    "privacyoffice.WorkerHeartbeat": ModelEntry(fields=_all(C.NONE, "id", "name", "last_seen")),
    "privacyoffice.DashboardSummary": ModelEntry(
        # Aggregated counts only.
        fields=_all(C.NONE, "id", "key", "data", "computed_at", "duration_ms"),
    ),
    # A staff user's own setting (the admin language): staff data, never a customer's.
    "privacyoffice.StaffPreference": ModelEntry(
        fields={"id": C.NONE, "user": C.STAFF, "language": C.STAFF, "updated_at": C.NONE},
    ),
}


THIRD_PARTY: dict[str, ModelEntry] = {
    "admin.LogEntry": ModelEntry(
        fields={
            "id": C.NONE,
            "action_time": C.NONE,
            "user": C.STAFF,
            "content_type": C.NONE,
            "object_id": C.NONE,
            # str() of the object changed: may repeat a customer's name (a copy, not new data);
            # customer_erase rewrites it to the tombstone.
            "object_repr": C.DERIVED,
            "action_flag": C.NONE,
            "change_message": C.NONE,
        },
    ),
    "auth.User": ModelEntry(
        fields={
            "id": C.NONE,
            "password": C.SECURITY,
            "last_login": C.STAFF,
            "is_superuser": C.NONE,
            "username": C.STAFF,
            "first_name": C.STAFF,
            "last_name": C.STAFF,
            "email": C.STAFF,
            "is_staff": C.NONE,
            "is_active": C.NONE,
            "date_joined": C.STAFF,
        },
    ),
    "auth.Group": ModelEntry(fields=_all(C.NONE, "id", "name")),
    "auth.Permission": ModelEntry(fields=_all(C.NONE, "id", "name", "content_type", "codename")),
    "contenttypes.ContentType": ModelEntry(fields=_all(C.NONE, "id", "app_label", "model")),
    "sessions.Session": ModelEntry(
        fields=_all(C.SECURITY, "session_key", "session_data", "expire_date"),
    ),
    "otp_totp.TOTPDevice": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user",
            "name",
            "confirmed",
            "throttling_failure_timestamp",
            "throttling_failure_count",
            "created_at",
            "last_used_at",
            "key",
            "step",
            "t0",
            "digits",
            "tolerance",
            "drift",
            "last_t",
        ),
    ),
    "axes.AccessAttempt": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "get_data",
            "post_data",
            "failures_since_start",
        ),
    ),
    "axes.AccessAttemptExpiration": ModelEntry(
        fields=_all(C.SECURITY, "access_attempt", "expires_at"),
    ),
    "axes.AccessFailureLog": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "locked_out",
        ),
    ),
    "axes.AccessLog": ModelEntry(
        fields=_all(
            C.SECURITY,
            "id",
            "user_agent",
            "ip_address",
            "username",
            "http_accept",
            "path_info",
            "attempt_time",
            "logout_time",
            "session_hash",
        ),
    ),
    "django_celery_beat.SolarSchedule": ModelEntry(
        fields=_all(C.NONE, "id", "event", "latitude", "longitude"),
    ),
    "django_celery_beat.IntervalSchedule": ModelEntry(
        fields=_all(C.NONE, "id", "every", "period"),
    ),
    "django_celery_beat.ClockedSchedule": ModelEntry(fields=_all(C.NONE, "id", "clocked_time")),
    "django_celery_beat.CrontabSchedule": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "minute",
            "hour",
            "day_of_month",
            "month_of_year",
            "day_of_week",
            "timezone",
        ),
    ),
    "django_celery_beat.PeriodicTasks": ModelEntry(fields=_all(C.NONE, "ident", "last_update")),
    "django_celery_beat.PeriodicTask": ModelEntry(
        fields=_all(
            C.NONE,
            "id",
            "name",
            "task",
            "interval",
            "crontab",
            "solar",
            "clocked",
            "args",
            "kwargs",
            "queue",
            "exchange",
            "routing_key",
            "headers",
            "priority",
            "expires",
            "expire_seconds",
            "one_off",
            "start_time",
            "enabled",
            "last_run_at",
            "total_run_count",
            "date_changed",
            "description",
        ),
    ),
}
