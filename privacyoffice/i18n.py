"""The staff's language: Japanese, unless the user chose English.

Precedence, highest first:
1. the logged-in staff user's saved preference (StaffPreference), so an English speaker gets
   English on any office PC;
2. the language cookie that Django's set_language view writes (the switch in the header);
3. settings.LANGUAGE_CODE: Japanese. The browser's Accept-Language is NOT consulted: a Japanese
   office's PCs often run an English Windows or browser, and a staff member's first login there
   must not land in English. English is a choice the user makes, never a guess.

SiteLanguageMiddleware (in place of Django's LocaleMiddleware) does 2-3 before authentication has
run; StaffLanguageMiddleware sits after AuthenticationMiddleware and applies 1. The switch in
the header posts to Django's own set_language view; the middleware saves the choice as the user's
preference when that view accepts it.

The preference is read from the database once per session and then kept in the session, so a
page costs no extra query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation

from .models import StaffPreference

# Session key: [user id, language code or ""], tied to the user so a shared session never
# carries one user's language to another.
SESSION_KEY = "_staff_language"


def _supported(language: str | None) -> str | None:
    """The code if it is one of settings.LANGUAGES, else None."""
    if language and language in dict(settings.LANGUAGES):
        return language
    return None


# --- selectors and services --------------------------------------------------------------------
def staff_language_get(*, user: AbstractBaseUser) -> str | None:
    """The user's saved language, or None when they have not chosen one."""
    language = (
        StaffPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    )
    return _supported(language)


def staff_language_set(*, user: AbstractBaseUser, language: str) -> StaffPreference:
    """Save the user's language; raises ValueError for a language the site does not offer."""
    if not _supported(language):
        raise ValueError(f"unsupported language: {language!r}")
    preference, _created = StaffPreference.objects.update_or_create(
        user_id=user.pk, defaults={"language": language}
    )
    return preference


# --- middleware --------------------------------------------------------------------------------
class SiteLanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware without the Accept-Language guess: the cookie, else Japanese.

    The site uses no i18n URL patterns, so the language never comes from the path either.
    Responses still get Content-Language from LocaleMiddleware.process_response.
    """

    def process_request(self, request: HttpRequest) -> None:
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        translation.activate(_supported(cookie) or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


class StaffLanguageMiddleware:
    """Apply the staff user's saved language; save it when they use the language switch.

    Must come after AuthenticationMiddleware (it reads request.user) and after LocaleMiddleware
    (it overrides the language that one negotiated; LocaleMiddleware then reports the final
    language in Content-Language on the way out).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self._preferred_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language

        response = self.get_response(request)

        if self._is_accepted_switch(request, response):
            chosen = _supported(request.POST.get("language"))
            if chosen:
                staff_language_set(user=request.user, language=chosen)
                request.session[SESSION_KEY] = [request.user.pk, chosen]
        elif language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            # The login page after a logout, and a new session, start in the user's language.
            self._set_language_cookie(response, language)
        return response

    @staticmethod
    def _is_staff(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and user.is_staff)

    def _preferred_language(self, request: HttpRequest) -> str | None:
        if not self._is_staff(request):
            return None
        cached = request.session.get(SESSION_KEY)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == request.user.pk:
            return _supported(cached[1])
        language = staff_language_get(user=request.user)
        request.session[SESSION_KEY] = [request.user.pk, language or ""]
        return language

    def _is_accepted_switch(self, request: HttpRequest, response: HttpResponse) -> bool:
        # set_language answers a valid choice with a redirect (or 204 for fetch without next).
        return (
            request.method == "POST"
            and request.path == reverse("set_language")
            and response.status_code in (302, 204)
            and self._is_staff(request)
        )

    @staticmethod
    def _set_language_cookie(response: HttpResponse, language: str) -> None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
