"""How much data each scale loads and how many times each figure is measured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    customers: int
    consent_events: int
    requests: int
    open_requests: int
    provision_records: int
    recipients: int
    import_rows: int  # rows of the customer CSV import figure
    import_export_rows: int  # rows exported through django-import-export (the reference)
    runs: int  # timed runs per figure (after one warm-up)
    heavy_runs: int  # runs of the figures that take seconds (exports, batch, import)


SCALES: dict[str, Scale] = {
    # The default: what a big carmaker holds.
    "full": Scale(
        name="full",
        customers=1_000_000,
        consent_events=6_000_000,
        requests=100_000,
        open_requests=20_000,
        provision_records=1_000_000,
        recipients=50,
        import_rows=100_000,
        import_export_rows=100_000,
        runs=7,
        heavy_runs=3,
    ),
    # A tenth, for a quick run while fixing something.
    "small": Scale(
        name="small",
        customers=100_000,
        consent_events=600_000,
        requests=10_000,
        open_requests=2_000,
        provision_records=100_000,
        recipients=50,
        import_rows=10_000,
        import_export_rows=10_000,
        runs=5,
        heavy_runs=2,
    ),
    # The smoke run of `make test`: every code path once, no figure is meaningful.
    "tiny": Scale(
        name="tiny",
        customers=1_000,
        consent_events=6_000,
        requests=300,
        open_requests=60,
        provision_records=1_000,
        recipients=50,
        import_rows=200,
        import_export_rows=200,
        runs=1,
        heavy_runs=1,
    ),
}
