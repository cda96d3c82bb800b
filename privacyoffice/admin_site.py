"""The staff UI: the Django admin site, with the dashboard, reports and two-factor login."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import URLPattern, URLResolver, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from common import dates

from . import security, sso
from .urls_admin import extra_admin_urls

SELECTION_INVALID = _("The selected rows are not valid. Reload the list and select them again.")
SEARCH_TOO_LONG = _(
    "The search is too long: at most %(max)s characters. Search for a shorter part, such as "
    "the family name or the reference."
)


class PrivacyOfficeAdminSite(admin.AdminSite):
    site_header = _("Privacy Office")
    site_title = _("Privacy Office")
    index_title = _("Back office")
    enable_nav_sidebar = True

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff only; with REQUIRE_2FA, only after a verified second factor (ASVS V4.3.1).

        REQUIRE_2FA is read per request, not at import, so a test can switch it on.
        """
        if not super().has_permission(request):
            return False
        if settings.REQUIRE_2FA:
            return bool(getattr(request.user, "is_verified", lambda: False)())
        return True

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        """Send a password-authenticated user on to the second factor, not back to the login.

        Django's own wrapper would treat such a user as "not allowed" and show the login form
        again, so this check runs before it. Logging out needs no second factor.
        """
        protected = super().admin_view(view, cacheable)

        def inner(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if security.query_has_nul(request):
                # PostgreSQL text cannot hold NUL: a changelist filter or search with one
                # would end in a database error (a 500) instead of a clear refusal.
                return HttpResponseBadRequest(str(security.NUL_IN_QUERY))
            refusal = self._refused_query(request)
            if refusal is not None:
                return refusal
            if security.needs_second_factor(request):
                if request.path == reverse("admin:logout", current_app=self.name):
                    # LogoutView is POST-only and CSRF-protected on its own.
                    return self.logout(request)
                response = security.second_factor_redirect(request, self)
                add_never_cache_headers(response)
                return response
            return protected(request, *args, **kwargs)

        return update_wrapper(inner, protected)

    def _refused_query(self, request: HttpRequest) -> HttpResponse | None:
        """A clear 400 page for a list address we will not run, or None."""
        message = dates.bad_date_filter(dict(request.GET.lists()))
        # Year 0, 9999 or 10000 in a date filter makes Django build a datetime that cannot
        # exist (a 500 in the changelist); a search of thousands of characters is no search
        # anyone typed (the search box stops at SEARCH_MAX_LENGTH) and costs a scan per word.
        if message is None and len(request.GET.get(SEARCH_VAR, "")) > settings.SEARCH_MAX_LENGTH:
            message = str(SEARCH_TOO_LONG) % {"max": settings.SEARCH_MAX_LENGTH}
        # Every model here has an integer key: an action posted with another "selected row"
        # would end in a ValueError (a 500) inside Django's action handling.
        if message is None and request.method == "POST":
            selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            if any(not (pk.isascii() and pk.isdigit()) for pk in selected):
                message = str(SELECTION_INVALID)
        if message is None:
            return None
        context = {**self.each_context(request), "message": message, "back": request.path}
        return TemplateResponse(request, "admin/security/refused_query.html", context, status=400)

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET" and security.needs_second_factor(request):
            return security.second_factor_redirect(request, self)
        context = {
            "require_2fa": settings.REQUIRE_2FA,
            "sso_enabled": settings.OIDC_ENABLED,
            "sso_refused": request.GET.get("sso") == "refused",
            "sso_refused_message": sso.SSO_REFUSED,
            **(extra_context or {}),
        }
        return super().login(request, extra_context=context)

    def get_urls(self) -> list[URLPattern | URLResolver]:

        return security.second_factor_urls(self) + extra_admin_urls(self) + super().get_urls()
