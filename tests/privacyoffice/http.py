"""A person's browser over real HTTP: log in through the login form, then GET and POST pages
(with the CSRF token the page carries), against a live server or gunicorn."""

from __future__ import annotations

import re

import requests

PASSWORD = "correct-horse-battery-staple"  # the personas' password (tests/conftest.py)
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    def __init__(self, base_url: str):
        # http.cookiejar keeps no cookie for a bare "localhost" (it wants a dotted domain).
        self.base_url = base_url.rstrip("/").replace("//localhost:", "//127.0.0.1:")
        self.session = requests.Session()
        self.session.headers["Accept-Language"] = "ja"

    def _cookies_for_localhost(self) -> None:
        # The site sets Secure cookies (production settings); browsers send those to
        # http://127.0.0.1 as to a secure origin, requests does not: do as browsers do.
        for cookie in self.session.cookies:
            cookie.secure = False

    def get(self, path: str, **kwargs) -> requests.Response:
        self._cookies_for_localhost()
        return self.session.get(self.base_url + path, timeout=60, **kwargs)

    def post(self, path: str, data: dict, files: dict | None = None, **kwargs):
        """POST a form as the page at `path` would: with its CSRF token and Referer."""
        token = self.csrf_token(path)
        self._cookies_for_localhost()
        return self.session.post(
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": token},
            files=files,
            headers={"Referer": self.base_url + path},
            timeout=60,
            **kwargs,
        )

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        found = _CSRF_INPUT.search(page.text)
        return found[1] if found else self.session.cookies.get("csrftoken", "")

    def login(self, username: str, password: str = PASSWORD) -> Browser:
        response = self.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
        )
        assert response.url.endswith("/admin/"), f"login as {username} failed: {response.url}"
        return self


def browser_for(base_url: str, user) -> Browser:
    return Browser(base_url).login(user.username)
