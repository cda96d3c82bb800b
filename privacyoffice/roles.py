"""The three roles, as Django groups with least privilege.

Each role lists the permissions it holds as "app_label.codename". A feature that adds a model
adds its permissions here; `sync_roles` runs after every `migrate`, so the groups always match
this file (a data migration creates the groups; this keeps their permissions current).
"""

from django.apps import apps
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.utils.translation import gettext_lazy as _

PRIVACY_STAFF = "privacy_staff"
PRIVACY_MANAGER = "privacy_manager"
AUDITOR = "auditor"

ROLE_LABELS = {
    PRIVACY_STAFF: _("Privacy staff"),
    PRIVACY_MANAGER: _("Privacy manager"),
    AUDITOR: _("Auditor"),
}


def _crud(app_label: str, model: str, *actions: str) -> list[str]:
    return [f"{app_label}.{action}_{model}" for action in actions]


# Models every role may view; auditors see exactly these (and never an identity-document image,
# which needs requests_app.view_document_file on top of view_identitydocument).
VIEWABLE_MODELS: list[tuple[str, str]] = [
    ("consent_app", "customer"),
    ("consent_app", "historicalcustomer"),
    ("consent_app", "purposeofuse"),
    ("consent_app", "privacynotice"),
    ("consent_app", "consentflag"),
    ("consent_app", "consentevent"),
    ("consent_app", "recipient"),
    ("consent_app", "provisionsuppression"),
    ("consent_app", "provisionbatch"),
    ("consent_app", "provisionrecord"),
    ("consent_app", "adequatecountry"),
    ("consent_app", "optoutfiling"),
    ("consent_app", "jointusenotice"),
    ("consent_app", "foreigntransferinfo"),
    ("consent_app", "equivalentmeasurescheck"),
    ("consent_app", "datareceipt"),
    ("consent_app", "datareceiptperson"),
    ("consent_app", "retainedidentity"),
    ("requests_app", "requestcase"),
    ("requests_app", "disclosurerequest"),
    ("requests_app", "correctionitem"),
    ("requests_app", "identitydocument"),
    ("requests_app", "documentviewing"),
    ("requests_app", "requestcomment"),
    ("requests_app", "deadlineextension"),
    ("requests_app", "deadlinerule"),
    ("requests_app", "lettertemplate"),
    ("requests_app", "letter"),
    ("requests_app", "deadlinealert"),
    ("incidents_app", "incident"),
    ("incidents_app", "incidentreport"),
    ("incidents_app", "affectedperson"),
    ("incidents_app", "incidentalert"),
    ("incidents_app", "incidentclockrule"),
    ("incidents_app", "entrustee"),
    ("incidents_app", "checkquestion"),
    ("incidents_app", "supervisioncheck"),
    ("incidents_app", "checkanswer"),
    ("incidents_app", "checkevidence"),
    ("django_fsm_log", "statelog"),
    ("privacyoffice", "exportlog"),
    ("privacyoffice", "workerheartbeat"),
]

# Staff run requests, customers, consent, documents and batches; no templates, rules or exports.
STAFF_PERMISSIONS: list[str] = [
    *_crud("consent_app", "customer", "add", "change"),
    *_crud("consent_app", "consentevent", "add"),
    *_crud("consent_app", "provisionsuppression", "add", "change"),
    *_crud("consent_app", "provisionbatch", "add"),
    *_crud("requests_app", "disclosurerequest", "add", "change"),
    "requests_app.work_request",
    *_crud("requests_app", "correctionitem", "add", "change", "delete"),
    *_crud("requests_app", "identitydocument", "add"),
    "requests_app.view_document_file",
    *_crud("requests_app", "requestcomment", "add"),
    *_crud("requests_app", "letter", "change"),
    *_crud("requests_app", "deadlinealert", "change"),
    # Incidents (issue 15): staff log them and scope the people affected; they record the
    # entrustees' check-sheet answers and attach the evidence.
    *_crud("incidents_app", "incident", "add", "change"),
    *_crud("incidents_app", "supervisioncheck", "change"),
    *_crud("incidents_app", "checkevidence", "add"),
]
# Managers: everything staff have, plus approval, templates, recipients, purposes, rules, reports.
MANAGER_PERMISSIONS: list[str] = [
    "requests_app.approve_response",
    "requests_app.extend_deadline",
    *_crud("requests_app", "lettertemplate", "add", "change"),
    *_crud("requests_app", "deadlinerule", "add", "change"),
    *_crud("consent_app", "recipient", "add", "change"),
    *_crud("consent_app", "purposeofuse", "add", "change"),
    *_crud("consent_app", "privacynotice", "add", "change"),
    # The lawful bases of provision (Arts. 27(2)–(5), 28): managers own them like recipients.
    *_crud("consent_app", "optoutfiling", "add", "change"),
    *_crud("consent_app", "jointusenotice", "add", "change"),
    *_crud("consent_app", "foreigntransferinfo", "add", "change"),
    *_crud("consent_app", "adequatecountry", "add", "change"),
    "consent_app.export_marketing_list",
    "privacyoffice.view_dashboard",
    "privacyoffice.export_reports",
    # Incidents: classify (four eyes), report to the PPC, notify, close; the entrustee register,
    # its questions and the reviews of check-sheets; the leak-report clocks.
    "incidents_app.classify_incident",
    "incidents_app.report_incident",
    *_crud("incidents_app", "incidentclockrule", "change"),
    *_crud("incidents_app", "entrustee", "add", "change"),
    *_crud("incidents_app", "checkquestion", "add", "change"),
    *_crud("incidents_app", "supervisioncheck", "add"),
    "incidents_app.review_supervisioncheck",
]
# Auditors: view-only everywhere, plus the dashboard and exports.
AUDITOR_PERMISSIONS: list[str] = [
    "privacyoffice.view_dashboard",
    "privacyoffice.export_reports",
]


def role_permissions() -> dict[str, set[str]]:
    view_all = {f"{app}.view_{model}" for app, model in VIEWABLE_MODELS}
    staff = view_all | set(STAFF_PERMISSIONS)
    manager = staff | set(MANAGER_PERMISSIONS)
    auditor = view_all | set(AUDITOR_PERMISSIONS)
    return {PRIVACY_STAFF: staff, PRIVACY_MANAGER: manager, AUDITOR: auditor}


def sync_roles(apps=None) -> None:
    """Create the role groups and set each one's permissions to exactly what this file says."""

    apps = apps or global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=role)
        perms = []
        for dotted in sorted(wanted):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                raise LookupError(f"Role {role} names unknown permission {dotted}")
            perms.append(perm)
        group.permissions.set(perms)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    # post_migrate of the last app: every app's permissions exist by now.

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()
