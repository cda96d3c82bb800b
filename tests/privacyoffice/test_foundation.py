"""The foundation: admin pages render, migrations are complete, roles exist, Celery works."""

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from privacyoffice import roles
from tests.conftest import wait_for


def _registered_models():
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.mark.django_db
@pytest.mark.parametrize("model", _registered_models(), ids=lambda m: m._meta.label)
def test_every_changelist_renders_for_the_superuser(client, superuser, model):
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("model", _registered_models(), ids=lambda m: m._meta.label)
def test_every_add_page_renders_or_is_refused_for_the_superuser(client, superuser, model):
    """Append-only models refuse "add" even to a superuser (403); every other one renders."""
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    model_admin = admin.site._registry[model]
    response = client.get(url)
    request = response.wsgi_request
    expected = 200 if model_admin.has_add_permission(request) else 403
    assert response.status_code == expected


@pytest.mark.django_db
def test_admin_index_renders_for_the_superuser(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_no_model_changes_lack_a_migration():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_the_three_roles_exist_as_groups_with_permissions():
    names = set(Group.objects.values_list("name", flat=True))
    assert {roles.PRIVACY_STAFF, roles.PRIVACY_MANAGER, roles.AUDITOR} <= names
    auditor_perms = set(
        Group.objects.get(name=roles.AUDITOR).permissions.values_list("codename", flat=True)
    )
    assert auditor_perms, "auditor has no permissions"
    assert all(c.startswith("view_") or c == "export_reports" for c in auditor_perms)
    assert "view_document_file" not in auditor_perms


@pytest.mark.django_db
def test_seed_demo_twice_gives_the_same_counts():
    from django.apps import apps

    call_command("seed_demo", customers=30, stdout=StringIO())
    first = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
    call_command("seed_demo", customers=30, stdout=StringIO())
    second = {m._meta.label: m._default_manager.count() for m in apps.get_models()}
    assert first == second


@pytest.mark.services
def test_a_task_runs_on_a_real_worker_over_redis_and_writes_the_database(live_worker):
    from privacyoffice.models import WorkerHeartbeat
    from privacyoffice.tasks import record_heartbeat

    record_heartbeat.delay("from-test")
    beat = wait_for(lambda: WorkerHeartbeat.objects.filter(name="from-test").first())
    assert beat.last_seen is not None
