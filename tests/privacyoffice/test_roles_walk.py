"""The role walk: every admin URL and every admin action, as each role, against a written table.

The expectations below are written from the role matrix of issue 7, NOT computed from
privacyoffice/roles.py or from the ModelAdmins (a table derived from the code under test could
never fail):

- privacy staff: requests, customers, consent, documents, batches; no templates, no deadline
  rules, no exports;
- privacy manager: everything staff can do, plus approving and sending responses, templates,
  recipients, purposes, deadline rules, the dashboard and exports;
- auditor: view-only on every model, the dashboard and exports; never an identity-document
  image, never a change;
- outsider (an active user who is not staff): nothing past the admin login.

Readings where the matrix is silent, decided here: every role may *view* the catalogues it works
with (purposes, recipients, notices, rules, templates), since staff pick them in forms; the
security and infrastructure models (users, groups, authenticator devices, lockout records, Celery
beat) belong to superusers only. A URL pattern or an action with no entry here fails
`test_every_admin_url_has_an_expectation` / `test_every_admin_action_has_an_expectation`, naming
it: a new model, view or action cannot slip through without someone deciding who may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, reverse
from django.utils import translation

from tests import factories as f

pytestmark = [pytest.mark.security]

STAFF, MANAGER, AUDITOR, OUTSIDER = "staff", "manager", "auditor", "outsider"
ROLES = (STAFF, MANAGER, AUDITOR)
SITE = admin.site

# --- the table: models ------------------------------------------------------------------------
# v view, a add, c change, d delete (what the role may do with the model in the admin).
_SUPERUSER_ONLY = {STAFF: "", MANAGER: "", AUDITOR: ""}
MODEL_ACCESS: dict[str, dict[str, str]] = {
    # customers and consent
    "consent_app.Customer": {STAFF: "vac", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.PurposeOfUse": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.PrivacyNotice": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.Recipient": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.ConsentFlag": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # derived from ledger
    "consent_app.ConsentEvent": {STAFF: "va", MANAGER: "va", AUDITOR: "v"},  # append-only
    "consent_app.ProvisionSuppression": {STAFF: "vac", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.ProvisionBatch": {STAFF: "va", MANAGER: "va", AUDITOR: "v"},
    "consent_app.ProvisionRecord": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # append-only
    # issue 16: the lawful bases are managers' catalogues, like recipients; a version in force
    # is never edited (the walk's rows are not yet in force, so managers may change them).
    "consent_app.AdequateCountry": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.OptOutFiling": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.JointUseNotice": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "consent_app.ForeignTransferInfo": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    # written only by the beat task, the import and the erasure service
    "consent_app.EquivalentMeasuresCheck": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "consent_app.DataReceipt": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # append-only
    "consent_app.DataReceiptPerson": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # append-only
    "consent_app.RetainedIdentity": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    # requests
    "requests_app.DisclosureRequest": {STAFF: "vac", MANAGER: "vac", AUDITOR: "v"},
    # Documents are uploaded on their request's page (checked there), never added bare.
    "requests_app.IdentityDocument": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "requests_app.DocumentViewing": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # append-only
    # Written on the request's page (corrections inline, comments, extensions), read here.
    "requests_app.CorrectionItem": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "requests_app.RequestComment": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "requests_app.DeadlineExtension": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "django_fsm_log.StateLog": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},  # append-only
    "requests_app.DeadlineRule": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "requests_app.LetterTemplate": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "requests_app.Letter": {STAFF: "vc", MANAGER: "vc", AUDITOR: "v"},
    "requests_app.DeadlineAlert": {STAFF: "vc", MANAGER: "vc", AUDITOR: "v"},
    # incidents (issue 15): staff log them, managers classify, report, notify and close (steps
    # on the incident page), auditors read; reports, snapshots and alerts are made by services.
    "incidents_app.Incident": {STAFF: "vac", MANAGER: "vac", AUDITOR: "v"},
    "incidents_app.IncidentReport": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "incidents_app.AffectedPerson": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "incidents_app.IncidentAlert": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "incidents_app.IncidentClockRule": {STAFF: "v", MANAGER: "vc", AUDITOR: "v"},
    # entrustees: managers keep the register and the questions; check-sheets change only
    # through their answer/review/evidence pages.
    "incidents_app.Entrustee": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "incidents_app.CheckQuestion": {STAFF: "v", MANAGER: "vac", AUDITOR: "v"},
    "incidents_app.SupervisionCheck": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    "incidents_app.CheckEvidence": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    # the auditors' own trail
    "privacyoffice.ExportLog": {STAFF: "v", MANAGER: "v", AUDITOR: "v"},
    # security and infrastructure: superusers only
    "auth.Group": _SUPERUSER_ONLY,
    "auth.User": _SUPERUSER_ONLY,
    "otp_totp.TOTPDevice": _SUPERUSER_ONLY,
    "axes.AccessAttempt": _SUPERUSER_ONLY,
    "axes.AccessLog": _SUPERUSER_ONLY,
    "axes.AccessFailureLog": _SUPERUSER_ONLY,
    "django_celery_beat.PeriodicTask": _SUPERUSER_ONLY,
    "django_celery_beat.ClockedSchedule": _SUPERUSER_ONLY,
    "django_celery_beat.CrontabSchedule": _SUPERUSER_ONLY,
    "django_celery_beat.SolarSchedule": _SUPERUSER_ONLY,
    "django_celery_beat.IntervalSchedule": _SUPERUSER_ONLY,
}
STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")


# --- the table: every other admin URL ---------------------------------------------------------
@dataclass(frozen=True)
class Url:
    """One admin URL: how to call it and the status each role must get."""

    expect: dict[str, int | tuple[int, ...]]
    kwargs: Callable[[World], dict] = lambda w: {}
    args: Callable[[World], list] = lambda w: []
    method: str = "GET"
    data: Callable[[World], dict] = lambda w: {}
    path: str | None = None  # for unnamed patterns
    logs_out: bool = False


def _all(code: int, outsider: int = 302) -> dict[str, int]:
    return {STAFF: code, MANAGER: code, AUDITOR: code, OUTSIDER: outsider}


def _roles(staff, manager, auditor, outsider=302) -> dict:
    return {STAFF: staff, MANAGER: manager, AUDITOR: auditor, OUTSIDER: outsider}


def _pk(label: str, key: str = "object_id") -> Callable[[World], dict]:
    return lambda w: {key: w.objects[label].pk}


OK_OR_REDIRECT = (200, 302)
URLS: dict[str, Url | tuple[Url, ...]] = {
    # The site itself.
    "site:index": Url(_all(200)),
    "site:login": Url(_roles(302, 302, 302, outsider=200)),
    "site:logout": Url(_all(200), method="POST", logs_out=True),
    "site:password_change": Url(_all(200)),
    "site:password_change_done": Url(_all(200)),
    "site:jsi18n": Url(_all(200)),
    "site:autocomplete": Url(_all(403)),  # without its parameters: refused, never a 500
    "site:view_on_site": Url(
        _all(404),  # no model has a public URL of its own
        kwargs=lambda w: {
            "content_type_id": w.content_type_id("consent_app.Customer"),
            "object_id": w.objects["consent_app.Customer"].pk,
        },
    ),
    "site:(?P<url>.*)$": Url(_all(404), path="/admin/no-such-page/"),
    "site:two_factor_verify": Url(_all(302)),  # the walk's sessions are verified already
    "site:two_factor_setup": Url(_all(302)),
    "site:app_list:consent_app": Url(_all(200), kwargs=lambda w: {"app_label": "consent_app"}),
    "site:app_list:requests_app": Url(_all(200), kwargs=lambda w: {"app_label": "requests_app"}),
    "site:app_list:privacyoffice": Url(_all(200), kwargs=lambda w: {"app_label": "privacyoffice"}),
    "site:app_list:incidents_app": Url(_all(200), kwargs=lambda w: {"app_label": "incidents_app"}),
    "site:app_list:auth": Url(_all(404), kwargs=lambda w: {"app_label": "auth"}),
    "site:app_list:otp_totp": Url(_all(404), kwargs=lambda w: {"app_label": "otp_totp"}),
    "site:app_list:axes": Url(_all(404), kwargs=lambda w: {"app_label": "axes"}),
    "site:app_list:django_fsm_log": Url(
        _all(200), kwargs=lambda w: {"app_label": "django_fsm_log"}
    ),
    "site:app_list:django_celery_beat": Url(
        _all(404), kwargs=lambda w: {"app_label": "django_celery_beat"}
    ),
    # Dashboard and exports: managers and auditors.
    "site:privacyoffice_dashboard": Url(_roles(403, 200, 200)),
    "site:privacyoffice_reports": Url(_roles(403, 200, 200)),
    "site:privacyoffice_report": Url(
        _roles(403, 200, 200), kwargs=lambda w: {"slug": w.report_slug}
    ),
    # The world's export is the manager's own: an export's page (it says who exported what), its
    # file and its retry are for whoever made it, so the export log always names who holds the
    # data (issue 19: the page too, not only the file).
    "site:privacyoffice_export": Url(
        _roles(403, 200, 403), kwargs=_pk("privacyoffice.ExportLog", "pk")
    ),
    "site:privacyoffice_export_download": Url(
        _roles(403, 200, 403), kwargs=_pk("privacyoffice.ExportLog", "pk")
    ),
    # A done export is not retried: its creator is sent back to its page with a message.
    "site:privacyoffice_export_retry": Url(
        _roles(403, 302, 403), kwargs=_pk("privacyoffice.ExportLog", "pk"), method="POST"
    ),
    # consent_app
    "consent_app.Customer:import": Url(_roles(200, 200, 403)),
    # A background import's page is its uploader's (staff here): another manager gets 403.
    "consent_app.Customer:import_job": Url(
        _roles(200, 403, 403),
        kwargs=lambda w: {"job_id": w.objects["consent_app.CustomerImportJob"].pk},
    ),
    "site:privacyoffice_marketing_list": Url(
        _roles(403, 200, 403),  # a marketing list is an export of customers: managers only
        kwargs=lambda w: {
            "purpose_id": w.objects["consent_app.PurposeOfUse"].pk,
            "channel": "email",
        },
    ),
    # A signed form is a scan the person sent, like an identity document: not for auditors.
    "consent_app.ConsentEvent:evidence": Url(
        _roles(200, 200, 403), kwargs=_pk("consent_app.ConsentEvent")
    ),
    "consent_app.ProvisionBatch:download": Url(
        _roles(200, 200, 403), kwargs=_pk("consent_app.ProvisionBatch")
    ),
    # requests_app: the request's own pages. A refused transition sends the user back to the
    # request with the reason (302); test_roles_guards checks that nothing changed.
    "requests_app.DisclosureRequest:transition": Url(
        _roles(200, 200, 302),
        kwargs=lambda w: {
            "object_id": w.objects["requests_app.DisclosureRequest"].pk,
            "name": "send_form",
        },
    ),
    "requests_app.DisclosureRequest:upload": Url(
        _roles(200, 200, 403), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    "requests_app.DisclosureRequest:comment": Url(  # GET only goes back to the request
        _all(302), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    "requests_app.DisclosureRequest:extend": Url(  # extensions are the managers'
        _roles(403, 200, 403), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    # Correcting a mistyped receipt date is work on the request: staff and managers.
    "requests_app.DisclosureRequest:correct_receipt": Url(
        _roles(200, 200, 403), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    "requests_app.DisclosureRequest:compilation": Url(  # read-only: every role may read
        _all(200), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    "requests_app.DisclosureRequest:electronic_copy": Url(
        _roles(200, 200, 403), kwargs=_pk("requests_app.DisclosureRequest", "pk")
    ),
    # Cases (issue 13): adding a right or splitting one off is work on the request.
    "requests_app.DisclosureRequest:case_add_right": Url(
        _roles(200, 200, 403), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    "requests_app.DisclosureRequest:case_split": Url(
        _roles(OK_OR_REDIRECT, OK_OR_REDIRECT, 403), kwargs=_pk("requests_app.DisclosureRequest")
    ),
    # Letter drafts (issue 12): the walked request has none, so no role reads one; an auditor
    # never edits or renders one.
    "requests_app.DisclosureRequest:draft_edit": Url(
        _roles((302, 404), (302, 404), (403, 404)),
        kwargs=lambda w: {
            "object_id": w.objects["requests_app.DisclosureRequest"].pk,
            "part": "explanation",
        },
    ),
    "requests_app.DisclosureRequest:draft_render": Url(
        _roles((302, 403, 404, 405), (302, 403, 404, 405), (403, 404, 405)),
        kwargs=_pk("requests_app.DisclosureRequest"),
    ),
    "requests_app.DisclosureRequest:draft_pdf": Url(
        _all(404),
        kwargs=lambda w: {
            "object_id": w.objects["requests_app.DisclosureRequest"].pk,
            "draft_id": 0,
            "which": "draft",
        },
    ),
    # The identity-document image: staff and managers, never auditors.
    "requests_app.IdentityDocument:file": Url(
        _roles(200, 200, 403), kwargs=_pk("requests_app.IdentityDocument", "pk")
    ),
    # requests_app: letters and alerts
    # Previewing changes nothing: whoever may view templates may preview them.
    "requests_app.LetterTemplate:preview": Url(
        _roles(200, 200, 200), kwargs=_pk("requests_app.LetterTemplate")
    ),
    "requests_app.Letter:download": Url(_roles(200, 200, 200), kwargs=_pk("requests_app.Letter")),
    "requests_app.Letter:mark_sent": Url(
        _roles(OK_OR_REDIRECT, OK_OR_REDIRECT, 403),
        kwargs=_pk("requests_app.Letter"),
        method="POST",
        data=lambda w: {"sent_via": "post", "tracking_number": "1234-5678-9012"},
    ),
    "requests_app.Letter:retry": Url(
        _roles(OK_OR_REDIRECT, OK_OR_REDIRECT, 403),
        kwargs=_pk("requests_app.Letter"),
        method="POST",
    ),
    "requests_app.DeadlineAlert:scan": Url(
        _roles(OK_OR_REDIRECT, OK_OR_REDIRECT, 403), method="POST"
    ),
    # incidents_app: the incident's steps. Classifying is the managers' (four eyes); scoping the
    # people affected is staff work too (test_roles_guards-like checks in tests/incidents_app).
    "incidents_app.Incident:step": (
        Url(
            _roles(403, 200, 403),
            kwargs=lambda w: {
                "object_id": w.objects["incidents_app.Incident"].pk,
                "name": "classify",
            },
        ),
        Url(
            _roles(200, 200, 403),
            kwargs=lambda w: {
                "object_id": w.objects["incidents_app.Incident"].pk,
                "name": "scope_query",
            },
        ),
        Url(
            _roles(403, 200, 403),
            kwargs=lambda w: {
                "object_id": w.objects["incidents_app.Incident"].pk,
                "name": "queue_notices",
            },
        ),
    ),
    # The PPC report PDF: every role reads it (it names no person); managers submit it.
    "incidents_app.IncidentReport:download": Url(
        _all(200), kwargs=_pk("incidents_app.IncidentReport")
    ),
    "incidents_app.IncidentReport:submit": Url(
        _roles(403, 200, 403), kwargs=_pk("incidents_app.IncidentReport")
    ),
    "incidents_app.IncidentReport:retry": Url(
        _roles(403, 302, 403), kwargs=_pk("incidents_app.IncidentReport"), method="POST"
    ),
    "incidents_app.IncidentAlert:dismiss": Url(
        _roles(403, 302, 403), kwargs=_pk("incidents_app.IncidentAlert"), method="POST"
    ),
    "incidents_app.Entrustee:open_check": Url(
        _roles(403, 200, 403), kwargs=_pk("incidents_app.Entrustee")
    ),
    "incidents_app.SupervisionCheck:answer": Url(
        _roles(200, 200, 403), kwargs=_pk("incidents_app.SupervisionCheck")
    ),
    "incidents_app.SupervisionCheck:review": Url(
        _roles(403, 200, 403), kwargs=_pk("incidents_app.SupervisionCheck")
    ),
    "incidents_app.SupervisionCheck:evidence": Url(
        _roles(200, 200, 403), kwargs=_pk("incidents_app.SupervisionCheck")
    ),
    # Supervision evidence is a partner's document, not a person's ID: auditors read it.
    "incidents_app.CheckEvidence:file": Url(_all(200), kwargs=_pk("incidents_app.CheckEvidence")),
    # Superusers only, whatever the role.
    "auth.User:password_change": Url(_all(403), kwargs=_pk("auth.User", "id")),
    "otp_totp.TOTPDevice:config": Url(_all(403), kwargs=_pk("otp_totp.TOTPDevice", "pk")),
    "otp_totp.TOTPDevice:qrcode": Url(_all(403), kwargs=_pk("otp_totp.TOTPDevice", "pk")),
    # A past version of a customer: readable by all, never restored by a POST.
    "consent_app.Customer:simple_history": (
        Url(_all(200), args=lambda w: [w.objects["consent_app.Customer"].pk, w.history_id]),
        Url(
            _all(403),
            args=lambda w: [w.objects["consent_app.Customer"].pk, w.history_id],
            method="POST",
        ),
    ),
    # The world's alert has no assignee: such alerts are the managers' to dismiss.
    "requests_app.DeadlineAlert:dismiss": Url(
        _roles(403, OK_OR_REDIRECT, 403),
        kwargs=_pk("requests_app.DeadlineAlert"),
        method="POST",
    ),
}

# --- the table: actions -----------------------------------------------------------------------
# Model label:action name -> may the role run it. `delete_selected` follows the "d" above.
ACTIONS: dict[str, dict[str, bool]] = {
    "requests_app.DisclosureRequest:bulk_assign": {STAFF: True, MANAGER: True, AUDITOR: False},
    "requests_app.DisclosureRequest:bulk_lapse": {STAFF: True, MANAGER: True, AUDITOR: False},
    "consent_app.ProvisionSuppression:lift": {STAFF: True, MANAGER: True, AUDITOR: False},
    "consent_app.ProvisionBatch:run_again": {STAFF: True, MANAGER: True, AUDITOR: False},
    "requests_app.LetterTemplate:restore_version": {STAFF: False, MANAGER: True, AUDITOR: False},
    "requests_app.Letter:retry_failed": {STAFF: True, MANAGER: True, AUDITOR: False},
    "requests_app.Letter:mark_sent_post": {STAFF: True, MANAGER: True, AUDITOR: False},
    "requests_app.Letter:mark_sent_email": {STAFF: True, MANAGER: True, AUDITOR: False},
    "axes.AccessAttempt:cleanup_expired_attempts": {STAFF: False, MANAGER: False, AUDITOR: False},
    "django_celery_beat.PeriodicTask:enable_tasks": {STAFF: False, MANAGER: False, AUDITOR: False},
    "django_celery_beat.PeriodicTask:disable_tasks": {
        STAFF: False,
        MANAGER: False,
        AUDITOR: False,
    },
    "django_celery_beat.PeriodicTask:toggle_tasks": {STAFF: False, MANAGER: False, AUDITOR: False},
    "django_celery_beat.PeriodicTask:run_tasks": {STAFF: False, MANAGER: False, AUDITOR: False},
}


# --- enumerating the admin --------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    key: str
    name: str | None
    route: str
    model_label: str | None


def _model_for_prefix() -> dict[str, str]:
    return {f"{m._meta.app_label}/{m._meta.model_name}/": m._meta.label for m in SITE._registry}


def _flatten(patterns, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _flatten(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix, pattern


def admin_patterns() -> list[Pattern]:
    """Every URL pattern of the admin site, keyed for the table (site-wide and per ModelAdmin)."""
    prefixes = _model_for_prefix()
    found = []
    for prefix, pattern in _flatten(SITE.get_urls()):
        route = prefix + str(pattern.pattern)
        label = prefixes.get(prefix)
        if label is None:
            if pattern.name == "app_list":
                for app_label in sorted({m._meta.app_label for m in SITE._registry}):
                    found.append(Pattern(f"site:app_list:{app_label}", "app_list", route, None))
                continue
            found.append(Pattern(f"site:{pattern.name or route}", pattern.name, route, None))
            continue
        app_label, model_name = label.split(".")[0], prefix.split("/")[1]
        stem = f"{app_label}_{model_name}_"
        if pattern.name and pattern.name.startswith(stem):
            suffix = pattern.name[len(stem) :]
        else:
            suffix = pattern.name or str(pattern.pattern)
        found.append(Pattern(f"{label}:{suffix}", pattern.name, route, label))
    return found


def admin_actions() -> list[tuple[str, str, str]]:
    """(key, model label, action name) for every action any user could ever see."""
    found = []
    for model, model_admin in SITE._registry.items():
        for _func, name, _description in model_admin._get_base_actions():
            found.append((f"{model._meta.label}:{name}", model._meta.label, name))
    return found


def _is_standard(pattern: Pattern) -> bool:
    if pattern.model_label is None:
        return False
    suffix = pattern.key.split(":", 1)[1]
    return suffix in STANDARD_VIEWS or suffix == "<path:object_id>/"


# --- the world the walk runs in ---------------------------------------------------------------
@dataclass
class World:
    objects: dict[str, object] = field(default_factory=dict)
    report_slug: str = ""
    history_id: int = 0

    def content_type_id(self, label: str) -> int:
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(apps.get_model(label)).pk


PDF = b"%PDF-1.4\n%%EOF\n"


def _file(name: str, content: bytes) -> ContentFile:
    return ContentFile(content, name=name)


def build_world(users: dict) -> World:
    """One real row of every registered model, made by factories or found as seeded data."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone
    from django_celery_beat.models import ClockedSchedule, SolarSchedule

    from consent_app.models import CustomerImportJob
    from privacyoffice.reports import definitions
    from requests_app.models import DeadlineExtension

    world = World()
    manager = users[MANAGER]
    customer = f.CustomerFactory(by=manager)
    # An open request (inquiry) with an electronic copy: the request pages walk this one.
    disclosure = f.DisclosureRequestFactory(electronic_copy=_file("copy.csv", b"a\n1\n"))
    # Files are given at creation: append-only rows cannot be saved a second time.
    event = f.PoConsentEventFactory(customer=customer, evidence=_file("signed-form.pdf", PDF))
    batch = f.PoProvisionBatchFactory(created_by=manager, file=_file("batch.csv", b"n\nT1\n"))
    export = f.ExportLogFactory(
        exported_by=manager, status="done", file=_file("export.csv", b"a,b\n1,2\n")
    )
    letter = f.LetterFactory(status="generated", file=_file("letter.pdf", PDF))
    made = [
        *_lawful_rows(customer),
        disclosure,
        customer,
        event,
        batch,
        export,
        letter,
        f.PoConsentFlagFactory(customer=customer),
        f.PoSuppressionFactory(customer=customer, created_by=manager),
        f.PoProvisionRecordFactory(batch=batch, customer=customer),
        f.PoDocumentViewingFactory(document=f.IdentityDocumentFactory(uploaded_by=manager)),
        f.RequestCommentFactory(request=disclosure, author=manager),
        f.PoStateLogFactory(content_object=disclosure),
        DeadlineExtension.objects.create(
            request=disclosure,
            previous_due_date=timezone.localdate(),
            new_due_date=timezone.localdate() + timedelta(days=30),
            reason="調査に時間を要するため",
            extended_by=manager,
        ),
        f.CorrectionItemFactory(),
        f.DeadlineAlertFactory(),
        CustomerImportJob.objects.create(
            uploaded_by=users[STAFF], status="done", rows=1, created=1, updated=0, unchanged=0
        ),
        f.TOTPDeviceFactory(user=manager),
        AccessAttempt.objects.create(
            username="someone", ip_address="192.0.2.1", user_agent="test", failures_since_start=1
        ),
        AccessLog.objects.create(username="someone", ip_address="192.0.2.1", user_agent="test"),
        AccessFailureLog.objects.create(
            username="someone", ip_address="192.0.2.1", user_agent="test", locked_out=False
        ),
        ClockedSchedule.objects.create(clocked_time=timezone.now()),
        *_incident_rows(manager),
        SolarSchedule.objects.create(event="sunrise", latitude=35.68, longitude=139.76),
    ]
    for obj in made:
        world.objects.setdefault(obj._meta.label, obj)
    for model in SITE._registry:
        label = model._meta.label
        if label not in world.objects:
            row = model._default_manager.order_by("pk").first()
            assert row is not None, f"no {label} row to walk: make one in build_world()"
            world.objects[label] = row
    world.objects["auth.User"] = users[STAFF]
    world.report_slug = sorted(definitions.REPORTS)[0]
    world.history_id = customer.history.order_by("history_id").first().history_id
    return world


def _lawful_rows(customer) -> list:
    """Issue 16's rows, none yet in force (so the change pages stay editable for managers)."""
    from django.utils import timezone

    from consent_app import receipts
    from consent_app.models import (
        EquivalentMeasuresCheck,
        ForeignTransferInfo,
        JointUseNotice,
        OptOutFiling,
        RetainedIdentity,
    )

    later = timezone.localdate() + timedelta(days=30)
    recipient = f.RecipientFactory()
    receipt = receipts.receipt_record(
        details=receipts.ReceiptDetails(
            provider_name="東京販売株式会社",
            provider_address="東京都港区",
            provider_representative="代表取締役 鈴木一郎",
            acquisition="consent",
            data_items=["name"],
        ),
        numbers=[customer.number],
        by=None,
    )
    return [
        OptOutFiling.objects.create(
            reference="PPC-1",
            title="名簿",
            data_items=["name"],
            acquisition_method="申込書",
            provision_method="電子ファイル",
            opt_out_method="電話",
            filed_on=timezone.localdate(),
        ),
        JointUseNotice.objects.create(
            scheme="walk",
            version=1,
            users_description="グループ会社",
            data_items=["name"],
            purposes="アフターサービス",
            responsible_party="株式会社サンプル",
            notified_on=timezone.localdate(),
            effective_from=later,
        ),
        ForeignTransferInfo.objects.create(
            recipient=recipient,
            country="US",
            version=1,
            country_name="アメリカ合衆国",
            country_system="…",
            recipient_measures="…",
            effective_from=later,
        ),
        EquivalentMeasuresCheck.objects.create(
            recipient=recipient, checked_at=timezone.now(), result="ok"
        ),
        receipt,
        receipt.persons.first(),
        RetainedIdentity.objects.create(
            customer=customer, number=customer.number, retain_until=later
        ),
    ]


def _incident_rows(manager) -> list:
    incident = f.IncidentFactory(logged_by=manager)
    report = f.IncidentReportFactory(
        incident=incident,
        created_by=manager,
        status="generated",
        file=_file("report.pdf", PDF),
    )
    check = f.SupervisionCheckFactory(opened_by=manager)
    return [
        incident,
        report,
        f.AffectedPersonFactory(incident=incident),
        f.IncidentAlertFactory(incident=incident),
        check,
        f.CheckEvidenceFactory(
            check_sheet=check, uploaded_by=manager, file=_file("evidence.pdf", PDF)
        ),
    ]


# --- calling one URL --------------------------------------------------------------------------
@dataclass
class Call:
    key: str
    method: str
    url: str
    data: dict
    expect: tuple[int, ...]


def _as_tuple(expect: int | tuple[int, ...]) -> tuple[int, ...]:
    return expect if isinstance(expect, tuple) else (expect,)


def _standard_calls(pattern: Pattern, role: str, world: World) -> list[Call]:
    label = pattern.model_label
    assert label is not None
    suffix = pattern.key.split(":", 1)[1]
    may = MODEL_ACCESS[label][role] if role != OUTSIDER else ""
    obj = world.objects[label]
    pk = obj.pk
    see = "v" in may or "c" in may

    def code(allowed: bool, ok: int | tuple[int, ...] = 200) -> tuple[int, ...]:
        if role == OUTSIDER:
            return (302,)
        return _as_tuple(ok) if allowed else (403,)

    name = f"admin:{pattern.name}"
    if suffix == "changelist":
        return [Call(pattern.key, "GET", reverse(name), {}, code(see))]
    if suffix == "add":
        return [Call(pattern.key, "GET", reverse(name), {}, code("a" in may))]
    if suffix == "change":
        url = reverse(name, args=[pk])
        return [
            Call(pattern.key, "GET", url, {}, code(see)),
            # An empty form: saved or re-shown with errors where allowed, refused elsewhere.
            Call(pattern.key + " (POST)", "POST", url, {}, code("c" in may, OK_OR_REDIRECT)),
        ]
    if suffix == "delete":
        return [Call(pattern.key, "GET", reverse(name, args=[pk]), {}, code("d" in may))]
    if suffix == "history":
        return [Call(pattern.key, "GET", reverse(name, args=[pk]), {}, code(see))]
    # <path:object_id>/ only redirects to the change page, which then checks.
    url = f"/admin/{pattern.route.replace('<path:object_id>/', f'{pk}/')}"
    return [Call(pattern.key, "GET", url, {}, (302,))]


def _entries(key: str) -> tuple[Url, ...]:
    entry = URLS.get(key, ())
    return entry if isinstance(entry, tuple) else (entry,)


def _logs_out(key: str) -> bool:
    return any(entry.logs_out for entry in _entries(key))


def _custom_calls(pattern: Pattern, role: str, world: World) -> list[Call]:
    calls = []
    for entry in _entries(pattern.key):
        url = entry.path or reverse(
            f"admin:{pattern.name}", args=entry.args(world), kwargs=entry.kwargs(world)
        )
        calls.append(
            Call(pattern.key, entry.method, url, entry.data(world), _as_tuple(entry.expect[role]))
        )
    return calls


def calls_for(role: str, world: World) -> list[Call]:
    calls: list[Call] = []
    for pattern in admin_patterns():
        if _is_standard(pattern):
            calls.extend(_standard_calls(pattern, role, world))
        else:
            calls.extend(_custom_calls(pattern, role, world))
    # Log-outs last, so the rest of the walk keeps its session.
    return sorted(calls, key=lambda c: _logs_out(c.key))


# --- markup the CSP would break ---------------------------------------------------------------
class _InlineScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script" and "src" not in attributes:
            kind = (attributes.get("type") or "").lower()
            # JSON data blocks (json_script) are data, not code: the CSP does not apply.
            if kind not in ("application/json", "application/ld+json"):
                self._in_inline_script = True

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def csp_problems(html: str) -> list[str]:
    finder = _InlineScriptFinder()
    finder.feed(html)
    return finder.problems


# --- the tests --------------------------------------------------------------------------------
def test_every_admin_url_has_an_expectation():
    missing = []
    for pattern in admin_patterns():
        if _is_standard(pattern):
            if pattern.model_label not in MODEL_ACCESS:
                missing.append(f"model {pattern.model_label} (add it to MODEL_ACCESS)")
        elif pattern.key not in URLS:
            missing.append(f"{pattern.key} -> /admin/{pattern.route} (add it to URLS)")
    assert not missing, "admin URLs nobody has decided on:\n" + "\n".join(sorted(set(missing)))


def test_every_admin_action_has_an_expectation():
    missing = [
        key
        for key, _label, name in admin_actions()
        if name != "delete_selected" and key not in ACTIONS
    ]
    assert not missing, "admin actions nobody has decided on (add to ACTIONS): " + ", ".join(
        missing
    )


def test_the_table_names_nothing_the_admin_no_longer_has():
    keys = {p.key for p in admin_patterns()}
    labels = {m._meta.label for m in SITE._registry}
    stale = [k for k in URLS if k not in keys] + [m for m in MODEL_ACCESS if m not in labels]
    stale += [k for k in ACTIONS if k not in {key for key, _l, _n in admin_actions()}]
    assert not stale, "table entries for URLs, models or actions that are gone: " + ", ".join(stale)


@pytest.fixture
def walkers(staff, manager, auditor, outsider):
    return {STAFF: staff, MANAGER: manager, AUDITOR: auditor, OUTSIDER: outsider}


def _login(client, user, role: str):
    if role == OUTSIDER:
        client.force_login(user)
    else:
        f.login_with_second_factor(client, user)


def _request(client, call: Call):
    if call.method == "POST":
        return client.post(call.url, call.data)
    return client.get(call.url)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [STAFF, MANAGER, AUDITOR, OUTSIDER])
def test_each_role_gets_the_expected_answer_from_every_admin_url(client, settings, walkers, role):
    """GIVEN one real row of every model, a verified session for the role (REQUIRE_2FA on)
    WHEN every admin URL is requested
    THEN each answers with the status the table names for that role."""
    settings.REQUIRE_2FA = True
    world = build_world(walkers)
    _login(client, walkers[role], role)
    wrong = []
    for call in calls_for(role, world):
        response = _request(client, call)
        if response.status_code not in call.expect:
            wrong.append(
                f"{call.method} {call.url} [{call.key}]: got {response.status_code}, "
                f"expected {' or '.join(map(str, call.expect))}"
            )
        if _logs_out(call.key):
            _login(client, walkers[role], role)
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def _refusal_messages() -> set[str]:
    texts = set()
    for language in ("en", "ja"):
        with translation.override(language):
            texts.add(str(translation.gettext("No action selected.")))
    return texts


def _action_allowed(label: str, name: str, role: str) -> bool:
    if role == OUTSIDER:
        return False
    if name == "delete_selected":
        return "d" in MODEL_ACCESS[label][role]
    return ACTIONS[f"{label}:{name}"][role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [STAFF, MANAGER, AUDITOR, OUTSIDER])
def test_each_role_can_run_exactly_the_admin_actions_the_table_allows(
    client, settings, walkers, role
):
    """GIVEN a verified session for the role
    WHEN every admin action is posted from its changelist with one row selected
    THEN allowed actions are offered and run (no error), the others are refused."""
    settings.REQUIRE_2FA = True
    world = build_world(walkers)
    _login(client, walkers[role], role)
    refusals = _refusal_messages()
    wrong = []
    for key, label, name in admin_actions():
        model = next(m for m in SITE._registry if m._meta.label == label)
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        page = client.get(changelist)
        offered = page.status_code == 200 and f'value="{name}"' in page.content.decode()
        allowed = _action_allowed(label, name, role)
        if offered != allowed:
            wrong.append(f"{key}: offered={offered}, table says allowed={allowed}")
        response = client.post(
            changelist,
            {"action": name, "_selected_action": [world.objects[label].pk], "index": 0},
        )
        messages = {str(m) for m in get_messages(response.wsgi_request)}
        refused = response.status_code in (302, 403) and (
            response.status_code == 403
            or bool(messages & refusals)
            or response["Location"].startswith(reverse("admin:login"))
        )
        if response.status_code == 200 and not allowed:
            # A role with no action at all sees the plain changelist: the POST did nothing.
            refused = True
        if allowed and (refused or response.status_code >= 400):
            wrong.append(f"{key}: allowed but refused ({response.status_code}, {messages})")
        if not allowed and not refused:
            wrong.append(f"{key}: ran for {role} ({response.status_code}, {messages})")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.django_db
def test_no_admin_page_has_inline_script_or_event_handlers(client, settings, walkers, superuser):
    """The CSP allows scripts from 'self' only: inline code on any admin page would not run."""
    settings.REQUIRE_2FA = True
    world = build_world(walkers)
    f.login_with_second_factor(client, superuser)
    problems = []
    for call in calls_for(MANAGER, world):
        if call.method != "GET" or _logs_out(call.key):
            continue
        response = client.get(call.url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            problems += [f"{call.url}: {p}" for p in csp_problems(response.content.decode())]
    assert not problems, "\n".join(problems)


def test_the_inline_script_finder_finds_inline_code_and_handlers():
    html = (
        '<script>alert(1)</script><a href="javascript:x()">x</a><img src=x onerror="y()">'
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
    )
    assert len(csp_problems(html)) == 3


def test_the_walk_covers_every_registered_model():
    walked = {p.model_label for p in admin_patterns() if p.model_label}
    assert walked == {m._meta.label for m in SITE._registry}
