"""Two-factor login for the admin (TOTP with django-otp) and the client address for django-axes.

With REQUIRE_2FA on (the production default; OWASP ASVS V4.3.1: administrative interfaces use
multi-factor authentication) an admin session opens in three steps:

1. the password, on the admin login form (django-axes counts failures);
2. a user with no confirmed TOTP device enrols: the page shows a QR code for an authenticator
   app, and one correct token confirms the device;
3. a user with a device enters the current token.

Only then does `django_otp.login` mark the session verified, and only a verified session passes
`PrivacyOfficeAdminSite.has_permission`. A wrong token counts as a failed login for django-axes,
so password and token failures together lock the account and address out after the same limit.
"""

from __future__ import annotations

import logging
from base64 import b32encode, b64encode
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

DEVICE_NAME = "authenticator"

NUL_IN_QUERY = _("The address of this page contains a character that is not allowed.")

INVALID_TOKEN = _(
    "That code is not valid. Enter the 6-digit code your authenticator app shows now."
)
THROTTLED = _("Too many wrong codes. Wait %(seconds)s seconds before you try again.")
ENROLMENT_DONE = _("Two-factor authentication is set up. Keep your authenticator app safe.")
TOKEN_HELP = _("The 6-digit code from your authenticator app.")


# --- client address for django-axes -----------------------------------------------------------
def client_ip_address(request: HttpRequest) -> str | None:
    """The address lockouts are counted by.

    Behind N reverse proxies (DJANGO_TRUSTED_PROXY_COUNT=N) the client is the Nth address from
    the right of X-Forwarded-For: the one our outermost proxy saw. Anything further left was
    written by the client and can be forged, so a forged header cannot escape a lockout. With no
    trusted proxy, only the socket address counts.
    """
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """django-axes' lockout page (AXES_LOCKOUT_CALLABLE): the admin's look, status 429."""

    cool_off = get_cool_off(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Login temporarily locked"),
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(
        request,
        "admin/security/lockout.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- services ---------------------------------------------------------------------------------
def totp_device_for_enrolment(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's pending (unconfirmed) device, created on first use.

    Reloading the enrolment page keeps the same secret, so a QR code already scanned stays valid.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm the pending device with a token from the app; on success the session is verified."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Other pending devices (an earlier, abandoned enrolment) hold secrets nobody needs.
    TOTPDevice.objects.filter(user=device.user, confirmed=False).exclude(pk=device.pk).delete()
    otp_login(request, device)
    logger.info("2fa enrolled user_id=%s device_id=%s", device.user_id, device.pk)
    return True


def totp_verify(*, request: HttpRequest, token: str) -> TOTPDevice | None:
    """Check a token against the user's confirmed devices; on success the session is verified."""
    for device in TOTPDevice.objects.devices_for_user(request.user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            logger.info("2fa verified user_id=%s device_id=%s", device.user_id, device.pk)
            return device
    return None


def totp_throttle_seconds(*, user: AbstractBaseUser) -> int:
    """Seconds until django-otp's throttling lets the user's devices verify again (0: now)."""

    waits = []
    for device in TOTPDevice.objects.devices_for_user(user, confirmed=None):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
    return max(waits, default=0)


def qr_code_data_uri(data: str) -> str:
    """A QR code as a data: URI of an SVG image (img-src data: is allowed; no markup to trust)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + b64encode(image.to_string()).decode("ascii")


def secret_for_manual_entry(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- views ------------------------------------------------------------------------------------
class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Authentication code"),
        help_text=TOKEN_HELP,
        min_length=6,
        max_length=8,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(INVALID_TOKEN, code="invalid")
        return token


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index")


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _credentials(user: AbstractBaseUser) -> dict[str, str]:
    return {settings.AXES_USERNAME_FORM_FIELD: user.get_username()}


@method_decorator([sensitive_post_parameters("token"), csrf_protect, never_cache], name="dispatch")
class _SecondFactorView(View):
    """Shared checks: a password-authenticated staff user whose session is not yet verified."""

    admin_site: AdminSite = None  # type: ignore[assignment]  (set by as_view)
    template_name: str
    title = _("Two-factor authentication")

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff):
            login = reverse("admin:login", current_app=self.admin_site.name)
            return HttpResponseRedirect(_with_next(login, request.get_full_path()))
        if not settings.REQUIRE_2FA or user.is_verified():
            return HttpResponseRedirect(_safe_next(request))
        if AxesProxyHandler.is_locked(request, _credentials(user)):
            return self._locked_out(request)
        elsewhere = self.route(request)
        if elsewhere is not None:
            return elsewhere
        return super().dispatch(request, *args, **kwargs)

    def route(self, request: HttpRequest) -> HttpResponse | None:
        """A redirect to the other second-factor page when this one does not apply."""
        return None

    def _has_device(self, request: HttpRequest) -> bool:
        return TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists()

    def _locked_out(self, request: HttpRequest) -> HttpResponse:
        credentials = _credentials(request.user)
        logout(request)
        return lockout_response(request, None, credentials)

    def _token_failed(
        self, request: HttpRequest, form: TokenForm, message: str
    ) -> HttpResponse | None:
        """Count a refused token as a failed login; a response only when it locked the user out."""
        user_login_failed.send(
            sender=__name__, credentials=_credentials(request.user), request=request
        )
        logger.warning("2fa token rejected user_id=%s", request.user.pk)
        if getattr(request, "axes_locked_out", False):
            return self._locked_out(request)
        form.add_error("token", message)
        return None

    def check_token(self, request: HttpRequest, token: str) -> bool:
        raise NotImplementedError

    def context(self, request: HttpRequest) -> dict:
        return {}

    def render_page(self, request: HttpRequest, form: TokenForm) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {
                **self.admin_site.each_context(request),
                "title": self.title,
                "form": form,
                "next": _safe_next(request),
                **self.context(request),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request, TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TokenForm(request.POST)
        if form.is_valid():
            # While django-otp's back-off runs, no token is checked at all (not even a right one),
            # so guessing fast gains nothing; the attempt still counts towards the lockout.
            wait = totp_throttle_seconds(user=request.user)
            if wait:
                message = THROTTLED % {"seconds": wait}
            elif self.check_token(request, form.cleaned_data["token"]):
                return HttpResponseRedirect(_safe_next(request))
            else:
                message = INVALID_TOKEN
            locked_out = self._token_failed(request, form, message)
            if locked_out is not None:
                return locked_out
        return self.render_page(request, form)


class SecondFactorVerifyView(_SecondFactorView):
    template_name = "admin/security/two_factor_verify.html"

    def route(self, request: HttpRequest) -> HttpResponse | None:
        if self._has_device(request):
            return None
        setup = reverse("admin:two_factor_setup", current_app=self.admin_site.name)
        return HttpResponseRedirect(_with_next(setup, _safe_next(request)))

    def check_token(self, request: HttpRequest, token: str) -> bool:
        return totp_verify(request=request, token=token) is not None


class SecondFactorSetupView(_SecondFactorView):
    template_name = "admin/security/two_factor_setup.html"
    title = _("Set up two-factor authentication")

    def route(self, request: HttpRequest) -> HttpResponse | None:
        if not self._has_device(request):
            return None
        # Adding a device needs the current one first: a stolen password alone must never be
        # enough to enrol an attacker's authenticator.
        verify = reverse("admin:two_factor_verify", current_app=self.admin_site.name)
        return HttpResponseRedirect(_with_next(verify, _safe_next(request)))

    def context(self, request: HttpRequest) -> dict:
        device = totp_device_for_enrolment(user=request.user)
        return {
            "qr_code": qr_code_data_uri(device.config_url),
            "secret": secret_for_manual_entry(device),
        }

    def check_token(self, request: HttpRequest, token: str) -> bool:
        device = totp_device_for_enrolment(user=request.user)
        if not totp_enrolment_confirm(request=request, device=device, token=token):
            return False
        messages.success(request, ENROLMENT_DONE)
        return True


def second_factor_urls(site: AdminSite) -> list[URLPattern]:
    """URL patterns of the second-factor pages; not behind `admin_view`, which needs them done."""
    return [
        path(
            "security/two-factor/",
            SecondFactorVerifyView.as_view(admin_site=site),
            name="two_factor_verify",
        ),
        path(
            "security/two-factor/setup/",
            SecondFactorSetupView.as_view(admin_site=site),
            name="two_factor_setup",
        ),
    ]


def query_has_nul(request: HttpRequest) -> bool:
    """A NUL character anywhere in the query string (names or values)."""
    return any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


def needs_second_factor(request: HttpRequest) -> bool:
    """A password-authenticated admin user whose session still lacks the second factor."""
    user = request.user
    return bool(
        settings.REQUIRE_2FA
        and user.is_active
        and user.is_staff
        and not getattr(user, "is_verified", lambda: False)()
    )


def second_factor_redirect(request: HttpRequest, site: AdminSite) -> HttpResponseRedirect:
    url = reverse("admin:two_factor_verify", current_app=site.name)
    return HttpResponseRedirect(_with_next(url, request.get_full_path()))
