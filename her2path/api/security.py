"""Security basics: token auth, CSRF for forms, headers, body limits, identifier-free logs."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from her2path.settings import Settings

log = logging.getLogger("her2path.access")

SESSION_COOKIE = "her2path_session"
CSRF_COOKIE = "her2path_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]

# Path segments after these words are patient ids; they are never logged as such.
_ID_AFTER = re.compile(r"(/patients/)([^/]+)")


def salted_ref(salt: str, patient_id: str) -> str:
    """A salted hash standing in for a patient id in logs and the audit log."""
    return "pt-" + hashlib.sha256((salt + "\x00" + patient_id).encode()).hexdigest()[:16]


def redact_path(salt: str, path: str) -> str:
    return _ID_AFTER.sub(lambda m: m.group(1) + salted_ref(salt, m.group(2)), path)


class SecurityMiddleware:
    """Adds security headers, enforces the body size limit and logs requests without ids."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.settings.max_body_bytes
        started = time.perf_counter()
        status = {"code": 0}

        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send)
            self._log(scope, 413, started)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = [
                    h for h in message.get("headers", []) if h[0].lower() != b"cache-control"
                ]
                path: str = scope.get("path", "")
                if path.startswith("/static/"):
                    headers.append((b"cache-control", b"public, max-age=3600"))
                message["headers"] = headers + [
                    h
                    for h in HEADERS
                    if not (path.startswith("/static/") and h[0] == b"cache-control")
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            if status["code"] == 0:
                await _too_large(send)
            status["code"] = 413
        self._log(scope, status["code"], started)

    def _log(self, scope: Scope, code: int, started: float) -> None:
        ms = (time.perf_counter() - started) * 1000
        path = redact_path(self.settings.log_salt, scope.get("path", ""))
        log.info("%s %s %d %.1fms", scope.get("method", "?"), path, code, ms)


class _BodyTooLarge(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send) -> None:
    body = b'{"detail":"request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), *HEADERS],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------- auth


def session_value(settings: Settings) -> str:
    """The cookie value a logged-in browser carries: a MAC of the token, never the token."""
    token = settings.api_token or ""
    return hmac.new(settings.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def token_ok(settings: Settings, given: str) -> bool:
    return bool(settings.api_token) and hmac.compare_digest(
        given.encode(), (settings.api_token or "").encode()
    )


def api_authorised(settings: Settings, request: Request) -> bool:
    if settings.demo_mode:
        return True
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and token_ok(settings, value.strip()):
        return True
    return browser_authorised(settings, request)


def browser_authorised(settings: Settings, request: Request) -> bool:
    if settings.demo_mode:
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return hmac.compare_digest(cookie.encode(), session_value(settings).encode())


def require_api_token(request: Request) -> None:
    settings: Settings = request.app.state.her2path.settings
    if not api_authorised(settings, request):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API token",
            headers={"WWW-Authenticate": "Bearer"},
        )


# ---------------------------------------------------------------------- CSRF


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(request: Request, form: Any) -> bool:
    """Double-submit check: the form field (or header) must equal the cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = str(form.get(CSRF_FIELD, "") or request.headers.get(CSRF_HEADER, ""))
    return bool(cookie) and hmac.compare_digest(cookie.encode(), given.encode())
