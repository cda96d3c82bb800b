"""The dashboard's lawful-provision panels (issue 16): provision by basis, the opt-out filings
and joint-use notices in force, foreign transfers by country, receipts (Art. 30) by provider.

Computed into the beat-refreshed DashboardSummary (four small aggregate queries, JSON-safe), so
the page itself makes no extra query; `lawful_panels` turns the stored figures into rows with
labels and links for the template.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Max, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from consent_app import lawful
from consent_app.models import DataReceipt, ProvisionBasis, ProvisionBatch

SUMMARY_KEY = "lawful"


def lawful_summary_compute(*, today: date) -> dict:
    """The figures of the four panels, as stored in the summary."""
    completed = ProvisionBatch.objects.filter(status=ProvisionBatch.Status.COMPLETED)
    by_basis = list(
        completed.values("basis")
        .annotate(batches=Count("pk"), people=Sum("customer_count"), last=Max("provided_on"))
        .order_by("basis")
    )
    foreign = list(
        completed.exclude(recipient__country__in=["JP", "jp"])
        .values("recipient__country", "foreign_basis")
        .annotate(batches=Count("pk"), people=Sum("customer_count"), last=Max("provided_on"))
        .order_by("recipient__country", "foreign_basis")
    )
    receipts = list(
        DataReceipt.objects.values("provider_name")
        .annotate(
            receipts=Count("pk"),
            people=Sum("person_count"),
            last=Max("received_on"),
            by_opt_out=Count("pk", filter=Q(acquisition="opt_out")),
        )
        .order_by("-last", "provider_name")[:20]
    )
    filings = [
        {
            "pk": f.pk,
            "reference": f.reference,
            "title": f.title,
            "recipients": len(f.recipients.all()),
            # In force means published (lawful.opt_out_filings_in_force); None never shows.
            "published": f.ppc_published_on.isoformat() if f.ppc_published_on else None,
        }
        for f in lawful.opt_out_filings_in_force(on=today)
    ]
    notices = [
        {
            "pk": n.pk,
            "label": str(n),
            "users": len(n.users.all()),
            "effective_from": n.effective_from.isoformat(),
        }
        for n in lawful.joint_use_notices_in_force(on=today)
    ]

    def days(rows: list[dict]) -> list[dict]:
        return [{**r, "last": r["last"].isoformat() if r["last"] else None} for r in rows]

    return {
        SUMMARY_KEY: {
            "by_basis": days(by_basis),
            "foreign": days(foreign),
            "receipts": days(receipts),
            "filings": filings,
            "notices": notices,
        }
    }


def _url(name: str, *args, **query) -> str | None:
    try:
        url = reverse(f"admin:consent_app_{name}", args=args)
    except NoReverseMatch:
        return None
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _dates(row: dict, *names: str) -> dict:
    # Stored as ISO text (JSON); shown as dates, in the reader's format (2026年12月16日).
    return {**row, **{n: date.fromisoformat(row[n]) if row.get(n) else None for n in names}}


def lawful_panels(stored: dict | None) -> dict | None:
    """Rows for the template, with labels (never codes) and links to the lists they count."""
    if not stored:
        return None
    stored = {
        "by_basis": [_dates(r, "last") for r in stored.get("by_basis", [])],
        "foreign": [_dates(r, "last") for r in stored.get("foreign", [])],
        "receipts": [_dates(r, "last") for r in stored.get("receipts", [])],
        "filings": [_dates(r, "published") for r in stored.get("filings", [])],
        "notices": [_dates(r, "effective_from") for r in stored.get("notices", [])],
    }
    basis_labels = dict(ProvisionBasis.choices)
    foreign_labels = {
        "consent": _("Consent after the Art. 28 information"),
        "equivalent_measures": _("Equivalent measures"),
        "": _("Recognised country (treated as Japan)"),
    }
    return {
        "by_basis": [
            {
                **row,
                "label": basis_labels.get(row["basis"], row["basis"]),
                "url": _url("provisionbatch_changelist", basis__exact=row["basis"]),
            }
            for row in stored.get("by_basis", [])
        ],
        "foreign": [
            {**row, "basis_label": foreign_labels.get(row["foreign_basis"], row["foreign_basis"])}
            for row in stored.get("foreign", [])
        ],
        "receipts": stored.get("receipts", []),
        "receipts_url": _url("datareceipt_changelist"),
        "filings": [
            {**f, "url": _url("optoutfiling_change", f["pk"])} for f in stored.get("filings", [])
        ],
        "notices": [
            {**n, "url": _url("jointusenotice_change", n["pk"])} for n in stored.get("notices", [])
        ],
    }
