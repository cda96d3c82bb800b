"""A person's browser, reduced to HTTP: cookies, CSRF tokens, forms and uploads, over a live
server (pytest-django's `live_server`, or gunicorn in the benchmark), through the login form.

Standard library only (urllib + http.cookiejar), so nothing is added to run it.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

PASSWORD = "correct-horse-battery-staple"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _LocalhostIsSecure(http.cookiejar.DefaultCookiePolicy):
    """Browsers send `Secure` cookies to http://localhost (a secure context); so does this."""

    def return_ok_secure(self, cookie, request):
        host = urllib.parse.urlsplit(request.get_full_url()).hostname
        return host in ("localhost", "127.0.0.1") or super().return_ok_secure(cookie, request)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar(policy=_LocalhostIsSecure())
        cookies = urllib.request.HTTPCookieProcessor(self.cookies)
        self.opener = urllib.request.build_opener(cookies)
        self.raw_opener = urllib.request.build_opener(cookies, _NoRedirect)

    def _open(self, request: urllib.request.Request, follow: bool) -> Response:
        opener = self.opener if follow else self.raw_opener
        try:
            with opener.open(request, timeout=120) as resp:
                return Response(resp.status, resp.url, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, request.full_url, dict(err.headers), err.read())

    def get(self, path: str, *, follow: bool = True) -> Response:
        return self._open(urllib.request.Request(self.base_url + path), follow)

    def csrf_from(self, html: str) -> str:
        match = _CSRF_INPUT.search(html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    def post(
        self,
        path: str,
        data: dict[str, str],
        *,
        files: dict[str, tuple[str, bytes]] | None = None,
        csrf_page: str | None = None,
        follow: bool = True,
    ) -> Response:
        """POST a form the way the page would: the CSRF token read from the page first."""
        page = self.get(csrf_page or path)
        fields = {"csrfmiddlewaretoken": self.csrf_from(page.text), **data}
        headers = {"Referer": self.base_url + (csrf_page or path)}
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(fields, files, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urllib.parse.urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base_url + path, data=body, headers=headers, method="POST"
        )
        return self._open(request, follow)

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        """Through the admin's login form, as a person would."""
        response = self.post(
            "/admin/login/?next=/admin/",
            {"username": username, "password": password, "next": "/admin/"},
        )
        assert response.status == 200 and "/admin/login/" not in response.url, response.url


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]], boundary: str):
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += str(value).encode() + b"\r\n"
    for name, (filename, content) in files.items():
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)
