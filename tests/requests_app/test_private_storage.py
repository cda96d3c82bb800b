"""Private storage for real, on both backends: local files and S3 (moto's server, over HTTP).

Every file that holds personal data — identity documents, letters, background exports and
electronic copies — is written through django-storages (or the file system), read back through
the permission-checked view by the role that may (logged in through the login form, over HTTP to
the live server), refused to the one that may not, unreachable without the view (an anonymous
GET of the S3 object URL is refused: private ACL), and gone once purged. The S3 settings are the
production settings' own (`STORAGE_*` variables read by settings.py in a subprocess), and the
Celery worker that renders letters and exports gets the same variables.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import requests
import time_machine
from botocore.exceptions import ClientError
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from bench.http import _CSRF_INPUT, Site
from privacyoffice.celery import app as celery_app
from privacyoffice.models import ExportLog
from privacyoffice.reports.services import export_files_purge
from requests_app import services
from requests_app.letters.seed import seed_letter_templates
from requests_app.models import DisclosureRequest, IdentityDocument, Letter, LetterTemplate
from requests_app.models import RequestState as S
from requests_app.services import identity_documents_purge_due
from tests.conftest import LiveWorker, _redis_reachable, skip_or_fail, wait_for
from tests.local_servers.s3 import MotoS3
from tests.privacyoffice.test_security_headers import production_settings

from .files import png_bytes
from .helpers import request_in

PASSWORD = "correct-horse-battery-staple"


# --- the two backends --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def moto_s3():
    server = MotoS3(Path(django_settings.VAR_DIR) / "moto-test.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def production_s3_storage(moto_s3) -> dict:
    """settings.STORAGES["default"] as production builds it from the STORAGE_* variables."""
    values = production_settings("STORAGES", **moto_s3.environment("po-bucket-placeholder"))
    storage = values["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["default_acl"] == "private"
    return storage


@dataclass
class Backend:
    """What a test needs to look at the store beside the site: raw reads and raw URLs."""

    kind: str
    worker_env: dict[str, str] = field(default_factory=dict)
    moto: MotoS3 | None = None
    bucket: str = ""
    location: Path | None = None

    def raw(self, name: str) -> bytes | None:
        """The stored bytes, read past the site (None: no such object)."""
        if self.moto:
            try:
                body = self.moto.client().get_object(Bucket=self.bucket, Key=name)["Body"]
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "NoSuchKey"
                return None
            return body.read()
        path = self.location / name
        return path.read_bytes() if path.exists() else None

    def assert_private(self, name: str, data: bytes, site_url: str) -> None:
        """No way to the bytes but the site's views: an anonymous GET is refused."""
        if self.moto:
            anonymous = requests.get(f"{self.moto.endpoint_url}/{self.bucket}/{name}", timeout=10)
            assert anonymous.status_code == 403
            assert data not in anonymous.content
            grants = self.moto.client().get_object_acl(Bucket=self.bucket, Key=name)["Grants"]
            assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers grant
            # The same object through a short-lived signed URL: the refusal above is the ACL's.
            signed = requests.get(default_storage.url(name), timeout=10)
            assert (signed.status_code, signed.content) == (200, data)
        else:
            for prefix in ("/", "/media/", "/private/", "/var/private/", "/static/"):
                response = requests.get(f"{site_url}{prefix}{name}", timeout=10)
                assert response.status_code == 404, prefix
                assert data not in response.content


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, settings, transactional_db) -> Backend:
    if request.param == "filesystem":
        # The settings' own local storage, which the worker (same PRIVACYOFFICE_VAR_DIR) shares.
        return Backend("filesystem", location=Path(default_storage.location))
    moto = request.getfixturevalue("moto_s3")
    bucket = f"po-test-{uuid.uuid4().hex[:16]}"
    moto.create_bucket(bucket)
    storage = copy.deepcopy(request.getfixturevalue("production_s3_storage"))
    storage["OPTIONS"]["bucket_name"] = bucket
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    assert isinstance(default_storage, S3Storage)
    return Backend("s3", worker_env=moto.environment(bucket), moto=moto, bucket=bucket)


class StorageWorker(LiveWorker):
    def __init__(self, extra_env: dict[str, str]) -> None:
        super().__init__()
        self.extra_env = extra_env

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.extra_env}


@pytest.fixture
def storage_worker(backend):
    """A real Celery worker whose settings point at the same storage as the site's."""
    reason = _redis_reachable()
    if reason:
        skip_or_fail(reason)
    celery_app.control.purge()
    worker = StorageWorker(backend.worker_env).start()
    yield worker
    worker.stop()


# --- the browser's side ------------------------------------------------------------------------
@pytest.fixture
def site(live_server) -> Site:
    return Site(
        base_url=live_server.url,
        log_path=Path(django_settings.VAR_DIR) / "live-server.log",
        origin=live_server.url.replace("http://", "https://"),
    )


def upload_document(site: Site, session, request: DisclosureRequest, data: bytes):
    path = reverse("admin:requests_app_disclosurerequest_upload", args=[request.pk])
    page = site.get(session, path)
    token = _CSRF_INPUT.search(page.text).group(1)
    return session.post(
        site.base_url + path,
        data={"csrfmiddlewaretoken": token, "document_type": "drivers_licence"},
        files={"file": ("scan.png", data, "image/png")},
        headers={"Referer": site.origin + path},
        allow_redirects=False,
        timeout=30,
    )


def get(site: Site, session, path: str) -> requests.Response:
    return session.get(site.base_url + path, allow_redirects=False, timeout=60)


# --- identity documents ------------------------------------------------------------------------
def test_an_identity_document_is_private_read_back_by_staff_only_and_purged(
    backend, site, staff, auditor
):
    request = request_in(S.DOCUMENTS_RECEIVED)
    scan = png_bytes((24, 16))
    alice = site.login(staff.username, PASSWORD)

    uploaded = upload_document(site, alice, request, scan)

    assert uploaded.status_code == 302, uploaded.text[-2000:]
    document = IdentityDocument.objects.get(request=request, uploaded_by=staff)
    name = document.file.name
    assert backend.raw(name) == scan
    url = reverse("admin:requests_app_identitydocument_file", args=[document.pk])
    opened = get(site, alice, url)
    assert (opened.status_code, opened.content) == (200, scan)
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert get(site, site.login(auditor.username, PASSWORD), url).status_code == 403
    backend.assert_private(name, scan, site.base_url)

    # Thirty days after the request ended, the daily purge removes the file itself.
    ended = timezone.now() - dt.timedelta(days=django_settings.IDENTITY_DOCUMENT_PURGE_DAYS + 1)
    DisclosureRequest.objects.filter(pk=request.pk).update(state=S.CLOSED, closed_at=ended)
    assert identity_documents_purge_due() == 2  # this upload and request_in's own document

    assert backend.raw(name) is None
    assert get(site, alice, url).status_code == 404


# --- letters and electronic copies, made by the approval and a real worker ---------------------
@pytest.mark.services
def test_a_letter_and_an_electronic_copy_are_stored_privately_and_read_back_by_staff(
    backend, storage_worker, site, staff, manager, other_manager, make_customer
):
    customer = make_customer(family_name="保田")
    seed_letter_templates(LetterTemplate)  # a transactional test before may have flushed them
    request = request_in(S.VERIFIED, customer=customer, disclosure_method_requested="electronic")
    drafted = services.request_draft_response(
        request=request, by=other_manager, outcome="fulfilled", method_used="electronic"
    )
    with transaction.atomic():
        sent = services.request_approve_and_send(request=drafted, by=manager)

    # The electronic copy, written in the approval's transaction.
    copy_name = sent.electronic_copy.name
    stored_copy = backend.raw(copy_name)
    assert hashlib.sha256(stored_copy).hexdigest() == sent.electronic_copy_sha256
    alice = site.login(staff.username, PASSWORD)
    copy_url = reverse("admin:requests_app_disclosurerequest_electronic_copy", args=[sent.pk])
    downloaded = get(site, alice, copy_url)
    assert (downloaded.status_code, downloaded.content) == (200, stored_copy)
    # One block per section, of varying widths: read as ragged rows.
    frame = pd.read_csv(
        io.BytesIO(downloaded.content),
        encoding="utf-8-sig",
        header=None,
        names=range(40),
        dtype=str,
    )
    assert frame.iloc[0, 1] == sent.reference
    cells = set(frame.stack())
    assert customer.number in cells and "保田" in cells
    anonymous = site.session()
    refused = get(site, anonymous, copy_url)
    assert refused.status_code == 302 and "/admin/login/" in refused.headers["Location"]
    backend.assert_private(copy_name, stored_copy, site.base_url)

    # The response letter, rendered by the worker into the same storage.
    letter = Letter.objects.get(request=sent, kind="response")

    def generated():
        letter.refresh_from_db()
        return letter.status != Letter.Status.QUEUED

    wait_for(generated, timeout=120)
    assert letter.status == Letter.Status.GENERATED, letter.error
    pdf = backend.raw(letter.file.name)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == letter.sha256
    letter_url = reverse("admin:requests_app_letter_download", args=[letter.pk])
    fetched = get(site, alice, letter_url)
    assert (fetched.status_code, fetched.content) == (200, pdf)
    assert get(site, anonymous, letter_url).status_code == 302
    backend.assert_private(letter.file.name, pdf, site.base_url)


# --- background exports ------------------------------------------------------------------------
@pytest.mark.services
def test_a_background_export_is_stored_privately_downloaded_by_its_exporter_and_purged(
    backend, storage_worker, site, settings, manager, other_manager
):
    settings.EXPORT_ASYNC_THRESHOLD = 0  # every export runs in the worker
    requests_made = [request_in(S.VERIFIED) for _ in range(3)]
    maria = site.login(manager.username, PASSWORD)

    started = site.post(
        maria,
        reverse("admin:privacyoffice_report", args=["request-register"]),
        {"date_from": "", "date_to": "", "encoding": "cp932", "header": "codes"},
    )

    assert started.status_code == 302, started.text[-2000:]
    export = wait_for(
        lambda: ExportLog.objects.filter(exported_by=manager, status="done").first(), timeout=120
    )
    stored = backend.raw(export.file.name)
    assert hashlib.sha256(stored).hexdigest() == export.sha256
    download_url = reverse("admin:privacyoffice_export_download", args=[export.pk])
    downloaded = get(site, maria, download_url)
    assert (downloaded.status_code, downloaded.content) == (200, stored)
    frame = pd.read_csv(io.BytesIO(downloaded.content), encoding="cp932", dtype=str)
    assert sorted(frame["reference"]) == sorted(r.reference for r in requests_made)
    mike = site.login(other_manager.username, PASSWORD)
    assert get(site, mike, download_url).status_code == 403
    backend.assert_private(export.file.name, stored, site.base_url)

    # Past the retention the purge deletes the file; the log row stays. (A finished row cannot
    # be back-dated, its triggers refuse: travel forward instead.)
    later = timezone.now() + dt.timedelta(days=settings.EXPORT_FILE_RETENTION_DAYS + 1)
    with time_machine.travel(later):
        assert export_files_purge() == 1

    assert backend.raw(export.file.name) is None
    assert get(site, maria, download_url).status_code == 302  # back to its page: no file
    assert ExportLog.objects.filter(pk=export.pk, file="").exists()
