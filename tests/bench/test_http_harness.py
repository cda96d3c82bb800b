"""The benchmark's HTTP harness measures what a role's user gets: gunicorn, the login form, no
superuser short-cut."""

from __future__ import annotations

import pytest

from bench import http

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """One gunicorn for the module, on the test database."""
    with django_db_blocker.unblock(), http.gunicorn_server(workers=1, timeout=60) as running:
        yield running


@pytest.fixture
def site(server, transactional_db):
    http.ensure_personas()  # each test's data is flushed after it
    return server


def test_a_persona_logs_in_through_the_login_form_and_gets_the_staff_pages(site):
    staff = site.login(http.PERSONAS["staff"])

    response = site.get(staff, "/admin/consent_app/customer/")

    assert "consent_app/customer/add/" in response.text  # staff may add customers
    assert response.headers["Content-Type"].startswith("text/html")


def test_the_personas_are_ordinary_role_members_not_superusers(site):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(username__in=http.PERSONAS.values())

    assert users.count() == 3
    assert not users.filter(is_superuser=True).exists()
    assert all(user.groups.count() == 1 for user in users)


def test_a_wrong_password_is_a_failed_login_not_a_session(site):
    with pytest.raises(http.LoginFailed):
        site.login(http.PERSONAS["auditor"], password="wrong-password")


def test_an_auditor_is_refused_a_staff_only_page(site):
    auditor = site.login(http.PERSONAS["auditor"])

    with pytest.raises(AssertionError, match="403"):
        site.get(auditor, "/admin/consent_app/customer/add/")


def test_timing_a_page_gives_its_p95_and_concurrent_load_counts_errors(site):
    manager = site.login(http.PERSONAS["manager"])

    stats = site.time_get(manager, "/admin/", runs=5)
    load = http.concurrent_load(site, [manager, site.login(http.PERSONAS["staff"])], "/admin/", 1)

    assert len(stats.values) == 5 and stats.p95 >= stats.median > 0
    assert load.requests > 0 and load.errors == 0 and load.rps > 0
