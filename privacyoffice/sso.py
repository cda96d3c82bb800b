"""Single sign-on for the company's staff: OpenID Connect (mozilla-django-oidc), off by default.

With `OIDC_ENABLED=1` the staff log in at the company's identity provider; the role comes from one
claim (`OIDC_ROLE_CLAIM`, e.g. `roles` or `groups`) whose values are mapped to our three groups.
No mapped value, or more than one, means no access (a person holds exactly one role). The group
is set again at every login, so a role changed or withdrawn at the provider takes effect at the
next login. Local passwords then open the site for superusers only: the break-glass account for
when the provider is down.

Identity: an SSO account is the user whose username is the `OIDC_USERNAME_CLAIM` (by default
`preferred_username`, else the e-mail) and who has no usable password, i.e. was created here by SSO.
A local account of that name (the break-glass superuser, say) is never taken over by a provider
user who happens to carry its name: that login is refused.

Second factor: with REQUIRE_2FA the provider must say it used more than a password (the ID token's
`amr` claim, RFC 8176), and then the session counts as verified: no TOTP prompt on top. Lockout
after failed attempts is the provider's; django-axes keeps guarding the local password form.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from . import roles

logger = logging.getLogger(__name__)

# The session key that marks a login whose second factor the provider performed (user pk).
SSO_SECOND_FACTOR_KEY = "privacyoffice_sso_mfa_user"
# RFC 8176 `amr` values that mean "more than a password".
MULTI_FACTOR_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina"})

SSO_REFUSED = _(
    "Single sign-on did not let you in. Your company account may have no Privacy Office role "
    "(or more than one), or the sign-in was not completed. Ask your administrator to check your "
    "role, then try again."
)


def role_groups() -> dict[str, str]:
    """Claim value -> our group name, from the settings (one value per role)."""
    return {
        settings.OIDC_ROLE_PRIVACY_STAFF: roles.PRIVACY_STAFF,
        settings.OIDC_ROLE_PRIVACY_MANAGER: roles.PRIVACY_MANAGER,
        settings.OIDC_ROLE_AUDITOR: roles.AUDITOR,
    }


def role_from_claims(claims: dict[str, Any]) -> str | None:
    """The one role the claim maps to; None when it maps to none or to several."""
    value = claims.get(settings.OIDC_ROLE_CLAIM)
    values = [value] if isinstance(value, str) else list(value or [])
    mapping = role_groups()
    found = {mapping[item] for item in values if isinstance(item, str) and item in mapping}
    return found.pop() if len(found) == 1 else None


def _has_multi_factor(claims: dict[str, Any]) -> bool:
    amr = claims.get("amr") or []
    return bool(MULTI_FACTOR_AMR.intersection(amr if isinstance(amr, list) else [amr]))


class RoleClaimOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, plus the role claim, issuer/audience checks, and no
    takeover of local accounts."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        if request is None or not settings.OIDC_ENABLED:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as exc:
            # A forged or expired token, or a provider that is down: no login, a clear message.
            logger.warning("single sign-on refused (%s: %s)", type(exc).__name__, exc)
            return None
        if user is not None:
            logger.info("user %s logged in through single sign-on", user.pk)
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The signature and nonce (the library), then issuer, audience and expiry (here: the
        library does not check them)."""
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client")
        if "exp" not in payload:
            raise SuspiciousOperation("ID token without expiry")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict[str, Any]:
        claims = dict(super().get_userinfo(access_token, id_token, payload))
        # How the person authenticated is said in the ID token, not in userinfo.
        claims["amr"] = payload.get("amr", [])
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject")
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if not self.get_username(claims):
            logger.warning("single sign-on refused: no username claim")
            return False
        if role_from_claims(claims) is None:
            logger.warning("single sign-on refused: no single Privacy Office role in the claim")
            return False
        if settings.REQUIRE_2FA and not _has_multi_factor(claims):
            logger.warning("single sign-on refused: the provider did not use a second factor")
            return False
        return True

    def get_username(self, claims: dict[str, Any]) -> str:
        value = claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or ""
        return str(value)[:150]

    def filter_users_by_claims(self, claims: dict[str, Any]):
        username = self.get_username(claims)
        same_name = self.UserModel.objects.filter(username=username)
        sso_accounts = [user for user in same_name if not user.has_usable_password()]
        if same_name and not sso_accounts:
            # A local account (e.g. the break-glass superuser): never logged into by SSO.
            raise SuspiciousOperation("a local account has this username")
        return sso_accounts

    @transaction.atomic
    def create_user(self, claims: dict[str, Any]) -> AbstractBaseUser:
        user = self.UserModel(username=self.get_username(claims))
        user.set_unusable_password()
        return self._apply_claims(user, claims)

    @transaction.atomic
    def update_user(self, user: AbstractBaseUser, claims: dict[str, Any]) -> AbstractBaseUser:
        return self._apply_claims(user, claims)

    def _apply_claims(self, user, claims: dict[str, Any]):
        role = role_from_claims(claims)
        user.email = str(claims.get("email") or "")[:254]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.is_staff = True
        user.is_superuser = False  # superusers are local, break-glass accounts only
        user.save()
        # Exactly the claimed role among ours; groups we do not manage are left alone.
        user.groups.remove(*Group.objects.filter(name__in=roles.ROLE_LABELS))
        user.groups.add(Group.objects.get(name=role))
        if settings.REQUIRE_2FA:
            self.request.session[SSO_SECOND_FACTOR_KEY] = user.pk
        logger.info("single sign-on user %s has role %s", user.pk, role)
        return user


def axes_exempt(request: HttpRequest, credentials: dict | None = None) -> bool:
    """django-axes' whitelist (AXES_WHITELIST_CALLABLE): the SSO callback is no password attempt.

    Its failures carry no user name, so axes would count them per address alone, and five refused
    role claims would lock out everyone behind the office's proxy. The provider counts and locks
    failed company sign-ins; axes keeps guarding the password form and the TOTP codes.
    """
    return request.path == reverse("oidc_authentication_callback")


class BreakGlassModelBackend(ModelBackend):
    """With SSO on, a local password logs in superusers only (the provider may be down)."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and user.is_superuser


class SingleSignOnSecondFactorMiddleware:
    """After django_otp's middleware: a session whose provider did the second factor is verified.

    The mark names the user it was set for, so it cannot serve anyone else; logging out flushes it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        marked = request.session.get(SSO_SECOND_FACTOR_KEY)
        if marked is not None and request.user.is_authenticated and marked == request.user.pk:
            request.user.is_verified = lambda: True
        return self.get_response(request)


def _only_when_enabled(view):
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is off")
        return view(request, *args, **kwargs)

    return wrapped


class CallbackView(OIDCAuthenticationCallbackView):
    """A tampered or replayed callback (unknown state) ends at the login page with the message,
    not at a 400 page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("single sign-on callback refused (%s)", exc)
            return self.login_failure()


urlpatterns = [
    path(
        "callback/",
        _only_when_enabled(CallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path(
        "authenticate/",
        _only_when_enabled(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
]
