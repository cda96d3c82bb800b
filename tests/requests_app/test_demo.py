"""The demo requests: every state and type, through the services, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_fsm_log.models import StateLog

from privacyoffice import roles
from requests_app import demo
from requests_app.models import DisclosureRequest, IdentityDocument, RequestState, RequestType

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users(django_user_model, settings):
    users = {}
    for name, role in (
        ("staff", roles.PRIVACY_STAFF),
        ("staff2", roles.PRIVACY_STAFF),
        ("manager", roles.PRIVACY_MANAGER),
        ("manager2", roles.PRIVACY_MANAGER),
    ):
        user = django_user_model.objects.create_user(username=name, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        users[name] = user
    return users


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }


def test_the_demo_covers_every_state_and_type(demo_users, make_customer):
    for _ in range(60):
        make_customer()

    summary = demo.seed(seed=7, users=demo_users)

    assert summary["requests"] == DisclosureRequest.objects.count() > 40
    assert set(DisclosureRequest.objects.values_list("state", flat=True)) == set(
        RequestState.values
    )
    assert set(DisclosureRequest.objects.values_list("request_type", flat=True)) == set(
        RequestType.values
    )
    verified = DisclosureRequest.objects.filter(state=RequestState.VERIFIED)
    assert verified.filter(customer__isnull=False).exists()
    assert IdentityDocument.objects.exists()


def test_the_demo_is_idempotent(demo_users, make_customer):
    make_customer()
    demo.seed(seed=7, users=demo_users)
    count = DisclosureRequest.objects.count()

    again = demo.seed(seed=7, users=demo_users)

    assert DisclosureRequest.objects.count() == count
    assert again["created"] == 0


def test_the_demo_is_deterministic(demo_users, make_customer):
    make_customer()
    demo.seed(seed=7, users=demo_users)
    first = list(
        DisclosureRequest.objects.order_by("reference").values_list(
            "request_type", "state", "requester_name", "channel"
        )
    )
    DisclosureRequest.objects.update(notes="")  # let a second run create again

    demo.seed(seed=7, users=demo_users)
    second = list(
        DisclosureRequest.objects.filter(notes__startswith=demo.DEMO_MARKER)
        .order_by("reference")
        .values_list("request_type", "state", "requester_name", "channel")
    )

    assert first == second


def test_the_demos_history_reads_as_it_would_have_happened(demo_users, make_customer):
    """GIVEN the demo WHEN its requests are read THEN documents never came back before the form
    went out, each step is dated along the way (not all at seed time), and the requests came in
    over the past months."""
    for _ in range(60):
        make_customer()

    demo.seed(seed=7, users=demo_users)

    requests = list(DisclosureRequest.objects.all())
    for request in requests:
        if request.form_sent_at and request.documents_received_on:
            sent_on = timezone.localtime(request.form_sent_at).date()
            assert request.documents_received_on >= sent_on, request.reference
        if request.responded_at:
            assert request.form_sent_at < request.responded_at, request.reference
            assert request.responded_at < timezone.now() - timedelta(minutes=10)
        for document in request.identity_documents.all():
            assert document.uploaded_at >= request.form_sent_at, request.reference
    months = {timezone.localtime(r.received_at).strftime("%Y-%m") for r in requests}
    assert len(months) >= 4
    responded = [r.responded_at for r in requests if r.responded_at]
    assert max(responded) - min(responded) > timedelta(days=60)
    steps = StateLog.objects.values_list("timestamp", flat=True)
    assert max(steps) - min(steps) > timedelta(days=60)
    # The dashboard's overdue figure has something to show: a running clock past its due date.
    assert DisclosureRequest.objects.filter(
        state__in=RequestState.clock_running_states(), due_date__lt=timezone.localdate()
    ).exists()
