"""Authentication: lockout (django-axes), TOTP second factor (django-otp), sessions, passwords.

Every login here goes through the real admin login form (a POST to its URL), because that is
where django-axes and the second-factor redirect sit; `Client.login()` would bypass both.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from privacyoffice import security
from tests.factories import TOTPDeviceFactory, login_with_second_factor, totp_token

pytestmark = [pytest.mark.security, pytest.mark.django_db]

PASSWORD = "correct-horse-battery-staple"  # the personas' password (tests/conftest.py)
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
VERIFY = reverse("admin:two_factor_verify")
SETUP = reverse("admin:two_factor_setup")


def post_login(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": INDEX}, **extra)


@pytest.fixture
def two_factor(settings):
    settings.REQUIRE_2FA = True


# --- lockout ----------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, staff):
    for _ in range(4):
        assert post_login(client, "alice", "wrong-password").status_code == 200
    assert post_login(client, "alice", "wrong-password").status_code == 429
    response = post_login(client, "alice")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(client, staff):
    for _ in range(4):
        post_login(client, "alice", "wrong-password")
    response = post_login(client, "alice")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_lockout_page_says_why_and_for_how_long(client, staff):
    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    response = post_login(client, "alice")
    message = re.search(r'id="lockout-message">(.*?)</p>', response.content.decode(), re.S)
    assert message is not None
    assert "5" in message.group(1)
    assert "30" in message.group(1)


def test_a_lockout_is_per_address(client, staff):
    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    response = post_login(client, "alice", REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 302


def test_a_lockout_is_per_username(client, staff, other_staff):
    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    assert post_login(client, "bob").status_code == 302


def test_a_lockout_ends_after_thirty_minutes(client, staff):
    for _ in range(5):
        post_login(client, "alice", "wrong-password")
    with time_machine.travel(timezone.now() + timedelta(minutes=29), tick=False):
        assert post_login(client, "alice").status_code == 429
    # Axes counts the cool-off from the last failure, and the try at minute 29 was one.
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 31), tick=False):
        assert post_login(client, "alice").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_a_lockout(client, staff):
    for i in range(5):
        post_login(client, "alice", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = post_login(client, "alice", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7"
    )
    assert security.client_ip_address(request) == "198.51.100.7"


def test_without_a_trusted_proxy_the_forwarded_for_header_is_ignored():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert security.client_ip_address(request) == "192.0.2.1"


# --- second factor: enrolment -----------------------------------------------------------------
def test_without_a_device_the_password_step_leads_to_enrolment(client, staff, two_factor):
    response = post_login(client, "alice", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP)
    assert response.status_code == 200


def test_the_enrolment_page_shows_a_qr_code_and_the_secret(client, staff, two_factor):
    post_login(client, "alice")
    body = client.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml;base64,' in body
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert security.secret_for_manual_entry(device) in body


def test_reloading_the_enrolment_page_keeps_the_same_secret(client, staff, two_factor):
    post_login(client, "alice")
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


def test_a_real_token_confirms_the_device_and_opens_the_admin(client, staff, two_factor):
    post_login(client, "alice")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff)
    response = client.post(SETUP, {"token": totp_token(device), "next": INDEX})
    assert response.status_code == 302
    assert response["Location"] == INDEX
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(INDEX).status_code == 200


def test_a_wrong_token_does_not_confirm_the_device(client, staff, two_factor):
    post_login(client, "alice")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=staff)
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong})
    assert response.status_code == 200
    assert str(security.INVALID_TOKEN) in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(INDEX).status_code == 302


def test_a_user_with_a_device_cannot_enrol_another_with_the_password_alone(
    client, staff, two_factor
):
    TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=staff).count() == 1


# --- second factor: verification --------------------------------------------------------------
def test_with_a_device_the_password_step_leads_to_the_token_page(client, staff, two_factor):
    TOTPDeviceFactory(user=staff)
    response = post_login(client, "alice", follow=True)
    assert response.redirect_chain[-1][0].startswith(VERIFY)


def test_the_password_alone_opens_no_admin_page(client, staff, two_factor):
    TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    url = reverse("admin:consent_app_customer_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_a_real_token_opens_the_admin_where_the_user_was_going(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    target = reverse("admin:consent_app_customer_changelist")
    response = client.post(VERIFY, {"token": totp_token(device), "next": target})
    assert response["Location"] == target
    assert client.get(target).status_code == 200


def test_a_wrong_token_is_refused_with_the_message(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"token": wrong})
    assert str(security.INVALID_TOKEN) in response.content.decode()
    assert client.get(INDEX).status_code == 302


def test_a_second_wrong_token_at_once_is_refused_by_the_back_off(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    client.post(VERIFY, {"token": wrong})
    response = client.post(VERIFY, {"token": totp_token(device)})
    assert str(security.THROTTLED).split("%")[0] in response.content.decode()
    assert client.get(INDEX).status_code == 302


def test_letters_instead_of_a_token_are_refused_without_an_error_page(client, staff, two_factor):
    TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    response = client.post(VERIFY, {"token": "<script>1</script>"})
    assert response.status_code == 200
    assert "<script>1</script>" not in response.content.decode()


def test_a_used_token_cannot_be_replayed(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    token = totp_token(device)
    post_login(client, "alice")
    client.post(VERIFY, {"token": token})
    client.post(reverse("admin:logout"))
    post_login(client, "alice")
    client.post(VERIFY, {"token": token})
    assert client.get(INDEX).status_code == 302


def test_five_wrong_tokens_lock_the_user_out_and_end_the_session(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    wrong = f"{(int(totp_token(device)) + 1) % 1_000_000:06d}"
    post_login(client, "alice")
    responses = [client.post(VERIFY, {"token": wrong}) for _ in range(5)]
    assert responses[-1].status_code == 429
    assert "_auth_user_id" not in client.session
    assert post_login(client, "alice").status_code == 429


def test_an_open_redirect_in_next_is_replaced_by_the_admin_home(client, staff, two_factor):
    device = TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    response = client.post(VERIFY, {"token": totp_token(device), "next": "https://evil.example/"})
    assert response["Location"] == INDEX


def test_an_unverified_user_can_log_out(client, staff, two_factor):
    TOTPDeviceFactory(user=staff)
    post_login(client, "alice")
    client.post(reverse("admin:logout"))
    assert "_auth_user_id" not in client.session


def test_the_login_page_announces_the_second_step_when_it_is_required(client, two_factor):
    assert 'id="two-factor-note"' in client.get(LOGIN).content.decode()


def test_the_second_factor_pages_send_anonymous_users_to_the_login(client, two_factor):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_verified_session_passes_straight_through_the_token_page(client, staff, two_factor):
    login_with_second_factor(client, staff)
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200


def test_without_require_2fa_the_password_alone_opens_the_admin(client, staff, settings):
    settings.REQUIRE_2FA = False
    post_login(client, "alice")
    assert client.get(INDEX).status_code == 200


def test_a_superuser_also_needs_the_second_factor(client, superuser, two_factor):
    post_login(client, "root")
    response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


# --- sessions ---------------------------------------------------------------------------------
def test_a_session_expires_after_thirty_idle_minutes(client, staff):
    post_login(client, "alice")
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        response = client.get(INDEX)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_activity_keeps_a_session_alive_past_thirty_minutes(client, staff):
    post_login(client, "alice")
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert client.get(INDEX).status_code == 200
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        assert client.get(INDEX).status_code == 200


def test_the_session_cookie_ends_with_the_browser(client, staff):
    response = post_login(client, "alice")
    assert response.cookies["sessionid"]["expires"] == ""
    assert response.cookies["sessionid"]["max-age"] == ""


# --- passwords --------------------------------------------------------------------------------
def test_passwords_are_stored_with_argon2(staff):
    assert staff.password.startswith("argon2$")


def test_an_old_pbkdf2_hash_is_upgraded_to_argon2_at_login(client, staff):
    staff.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    staff.save(update_fields=["password"])
    post_login(client, "alice")
    staff.refresh_from_db()
    assert staff.password.startswith("argon2$")


@pytest.mark.parametrize(
    "password",
    ["short-pw", "password1234", "12345678901234", "alice@example.co.jp"],
    ids=["too-short", "common", "numeric", "like-the-e-mail"],
)
def test_weak_passwords_are_refused(staff, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=staff)


def test_a_long_uncommon_password_is_accepted(staff):
    validate_password("tamago-kake-gohan-at-dawn", user=staff)
