"""A small OpenID Connect provider on localhost, enough for the authorization code flow.

It serves discovery, an authorize endpoint with its own login form (the person types their
company user name and password there), a token endpoint that checks the client secret, the
redirect URI and PKCE and returns an RS256-signed ID token, the JWKS and userinfo. Each user is
registered with the claims the provider will assert (role claim, `amr`...). `tamper` switches on
one attack at a time: `wrong_key` (ID token signed by a key not in the JWKS), `wrong_audience`,
`expired`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from . import free_port


@dataclass
class ProviderUser:
    password: str
    claims: dict[str, Any]
    amr: list[str] = field(default_factory=lambda: ["pwd", "mfa"])


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]


class OidcProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.users: dict[str, ProviderUser] = {}
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.tamper: str | None = None
        self.token_requests = 0
        self._server: ThreadingHTTPServer | None = None

    # --- set-up --------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                provider.handle(self, "GET")

            def do_POST(self) -> None:
                provider.handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- HTTP ----------------------------------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        form: dict[str, str] = {}
        if method == "POST":
            length = int(request.headers.get("Content-Length") or 0)
            body = request.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: (200, self.discovery()),
            ("GET", "/jwks"): lambda: (200, self.jwks()),
            ("GET", "/authorize"): lambda: self.authorize_page(query),
            ("POST", "/authorize"): lambda: self.authorize(form),
            ("POST", "/token"): lambda: self.token(form, request.headers),
            ("GET", "/userinfo"): lambda: self.userinfo(request.headers),
        }
        route = routes.get((method, url.path))
        status, payload = route() if route else (404, {"error": "not_found"})
        if isinstance(payload, str) and status in (301, 302, 303):
            request.send_response(status)
            request.send_header("Location", payload)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if isinstance(payload, str):
            data, content_type = payload.encode(), "text/html; charset=utf-8"
        else:
            data, content_type = json.dumps(payload).encode(), "application/json"
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def _client_for(self, client_id: str, redirect_uri: str) -> Client | None:
        client = self.clients.get(client_id)
        return client if client and redirect_uri in client.redirect_uris else None

    def authorize_page(self, query: dict[str, str]) -> tuple[int, str]:
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, "<p>unsupported request</p>"
        if not self._client_for(query.get("client_id", ""), query.get("redirect_uri", "")):
            return 400, "<p>unknown client or redirect URI</p>"
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        return 200, (
            "<!doctype html><title>Company sign-in</title><form method=post action=/authorize>"
            f"{hidden}<input name=username><input name=password type=password>"
            "<button>Sign in</button></form>"
        )

    def authorize(self, form: dict[str, str]) -> tuple[int, str]:
        client = self._client_for(form.get("client_id", ""), form.get("redirect_uri", ""))
        if client is None:
            return 400, "<p>unknown client or redirect URI</p>"
        user = self.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(user.password, form.get("password", "")):
            return 401, "<p>wrong user name or password</p>"
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "user": form["username"],
            "client_id": client.client_id,
            "redirect_uri": form["redirect_uri"],
            "nonce": form.get("nonce"),
            "code_challenge": form.get("code_challenge"),
            "expires": time.time() + 60,
        }
        return 302, f"{form['redirect_uri']}?{urlencode({'code': code, 'state': form['state']})}"

    def token(self, form: dict[str, str], headers) -> tuple[int, dict]:
        self.token_requests += 1
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = headers.get("Authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.client_secret, secret):
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if (
            form.get("grant_type") != "authorization_code"
            or grant is None
            or grant["client_id"] != client_id
            or grant["redirect_uri"] != form.get("redirect_uri")
            or grant["expires"] < time.time()
        ):
            return 400, {"error": "invalid_grant"}
        if grant["code_challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        user = self.users[grant["user"]]
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = {"user": grant["user"]}
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(user, client_id, grant["nonce"]),
        }

    def id_token(self, user: ProviderUser, client_id: str, nonce: str | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user.claims["sub"],
            "aud": "someone-else" if self.tamper == "wrong_audience" else client_id,
            "iat": now,
            "exp": now - 60 if self.tamper == "expired" else now + 300,
            "nonce": nonce,
            "amr": user.amr,
        }
        key = self.other_key if self.tamper == "wrong_key" else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})

    def userinfo(self, headers) -> tuple[int, dict]:
        auth = headers.get("Authorization", "")
        token = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if token is None:
            return 401, {"error": "invalid_token"}
        return 200, self.users[token["user"]].claims
