"""A person's browser over real HTTP: log in through the login form, then GET and POST pages
(with the CSRF token the page carries), against a live server or gunicorn."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import requests

PASSWORD = "correct-horse-battery-staple"  # the personas' password (tests/conftest.py)
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_MAX_REDIRECTS = 10


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

    def _send(self, method: str, url: str, **kwargs) -> requests.Response:
        """One request, then its redirects followed by hand: the cookies each hop sets (the
        session is re-sent on every response) are made sendable before the next hop."""
        history = []
        for _hop in range(_MAX_REDIRECTS):
            self._cookies_for_localhost()
            response = self.session.request(
                method, url, allow_redirects=False, timeout=60, **kwargs
            )
            if not response.is_redirect:
                response.history = history
                return response
            history.append(response)
            url = urljoin(url, response.headers["Location"])
            method, kwargs = "GET", {}
        raise AssertionError(f"more than {_MAX_REDIRECTS} redirects from {url}")

    def get(self, path: str, **kwargs) -> requests.Response:
        return self._send("GET", self.base_url + path, **kwargs)

    def post(self, path: str, data: dict, files: dict | None = None) -> requests.Response:
        """POST a form as the page at `path` would: with its CSRF token and Referer."""
        token = self.csrf_token(path)
        return self._send(
            "POST",
            self.base_url + path,
            data={**data, "csrfmiddlewaretoken": token},
            files=files,
            headers={"Referer": self.base_url + path},
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
        assert urlsplit(response.url).path == "/admin/", f"login as {username} failed"
        return self


def browser_for(base_url: str, user) -> Browser:
    return Browser(base_url).login(user.username)
