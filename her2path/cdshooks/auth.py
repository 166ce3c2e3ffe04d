"""Trust: verify the JWT a CDS client sends with every call (CDS Hooks 2.0, "Trusting CDS Clients").

Only ES384 and RS384 are accepted.  The key is chosen by ``kid`` from a JWK Set that
is configured for the issuer (a file or inline), or fetched from the token's ``jku``
when that exact URL is allowlisted for that issuer.  ``aud`` must equal the external
URL of the invoked endpoint; ``exp``, ``iat`` and ``nbf`` are checked against an
injected clock with a small leeway; a ``jti`` seen before is refused.  Failures raise
:class:`AuthError`, whose reason is for tests and internal counters only: the HTTP
answer is a plain 401.  Tokens are never logged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import jwt
from jwt import PyJWK

ALGORITHMS = ("ES384", "RS384")
MAX_TOKEN_BYTES = 16_384

Clock = Callable[[], float]
JwksFetcher = Callable[[str], Mapping[str, Any]]


class AuthError(Exception):
    """The token is not acceptable; ``reason`` is never sent to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TrustedIssuer:
    """A CDS client the service trusts: its ``iss`` and where its keys come from."""

    iss: str
    jku: tuple[str, ...] = ()
    jwks: Mapping[str, Any] | None = None

    @staticmethod
    def from_mapping(data: Mapping[str, Any], base: Path | None = None) -> TrustedIssuer:
        jwks = data.get("jwks")
        jwks_file = data.get("jwks_file")
        if jwks is None and jwks_file:
            path = Path(str(jwks_file))
            if base is not None and not path.is_absolute():
                path = base / path
            jwks = json.loads(path.read_text(encoding="utf-8"))
        jku = data.get("jku") or ()
        if isinstance(jku, str):
            jku = (jku,)
        return TrustedIssuer(iss=str(data["iss"]), jku=tuple(str(u) for u in jku), jwks=jwks)


class ReplayCache(Protocol):
    def first_use(self, iss: str, jti: str, expires_at: float, now: float) -> bool:
        """Record the token id; ``False`` when it was already used and has not expired."""


@dataclass
class MemoryReplayCache:
    """Token ids kept in memory until they expire (one process)."""

    _seen: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def first_use(self, iss: str, jti: str, expires_at: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: v for k, v in self._seen.items() if v >= now}
            held = self._seen.get((iss, jti))
            if held is not None and held >= now:
                return False
            self._seen[(iss, jti)] = expires_at
            return True


def fetch_jwks(url: str, timeout: float = 2.0) -> Mapping[str, Any]:
    """Fetch a JWK Set over HTTPS (or loopback HTTP, for tests) with a firm timeout."""
    response = httpx.get(url, timeout=timeout, follow_redirects=False)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, Mapping):
        raise AuthError("jwks is not an object")
    return data


@dataclass
class JwtVerifier:
    issuers: list[TrustedIssuer]
    leeway_seconds: float = 60.0
    clock: Clock = time.time
    replay: ReplayCache = field(default_factory=MemoryReplayCache)
    fetcher: JwksFetcher = fetch_jwks
    jwks_ttl_seconds: float = 3600.0
    _fetched: dict[str, tuple[float, Mapping[str, Any]]] = field(default_factory=dict)

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The verified claims of ``token`` for the endpoint at ``audience``."""
        if not token or len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise AuthError("malformed token")
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise AuthError("malformed token") from None
        key = self.key_for(header, unverified)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[str(header["alg"])],
                audience=audience,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": True,
                    "verify_iss": False,
                    "require": ["iss", "aud", "exp", "iat", "jti"],
                },
            )
        except jwt.InvalidAudienceError:
            raise AuthError("wrong audience") from None
        except jwt.InvalidSignatureError:
            raise AuthError("bad signature") from None
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {type(exc).__name__}") from None
        self.check_claims(claims, audience)
        self.check_replay(claims)
        return claims

    # --- the parts of the check, usable on their own (e.g. for captured tokens) ------
    def key_for(self, header: Mapping[str, Any], claims: Mapping[str, Any]) -> PyJWK:
        """The verification key for a token header, from a trusted source only."""
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError("algorithm not allowed")
        typ = header.get("typ")
        if typ is not None and str(typ).upper() != "JWT":
            raise AuthError("typ is not JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("no kid")
        iss = claims.get("iss")
        issuer = next((i for i in self.issuers if i.iss == iss), None)
        if issuer is None:
            raise AuthError("issuer not trusted")
        jku = header.get("jku")
        if jku is not None and jku not in issuer.jku:
            raise AuthError("jku not allowlisted for this issuer")
        jwks = issuer.jwks
        if jwks is None:
            if jku is None:
                raise AuthError("no key source for this issuer")
            jwks = self._remote(str(jku))
        for candidate in jwks.get("keys") or []:
            if isinstance(candidate, Mapping) and candidate.get("kid") == kid:
                try:
                    key = PyJWK(dict(candidate), algorithm=str(alg))
                except jwt.PyJWTError:
                    raise AuthError("unusable key") from None
                key_alg = candidate.get("alg")
                if key_alg is not None and key_alg != alg:
                    raise AuthError("key algorithm does not match")
                return key
        raise AuthError("unknown kid")

    def check_claims(self, claims: Mapping[str, Any], audience: str) -> None:
        """Audience and time claims against the injected clock (with leeway)."""
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if audience not in auds:
            raise AuthError("wrong audience")
        for name in ("exp", "iat", "jti", "iss"):
            if name not in claims:
                raise AuthError(f"missing {name}")
        now = self.clock()
        leeway = self.leeway_seconds
        exp, iat = _number(claims.get("exp")), _number(claims.get("iat"))
        if exp is None or iat is None:
            raise AuthError("exp/iat not numeric")
        if now > exp + leeway:
            raise AuthError("expired")
        if iat > now + leeway:
            raise AuthError("issued in the future")
        if "nbf" in claims:
            nbf = _number(claims.get("nbf"))
            if nbf is None or now + leeway < nbf:
                raise AuthError("not yet valid")

    def check_replay(self, claims: Mapping[str, Any]) -> None:
        exp = _number(claims.get("exp")) or 0.0
        now = self.clock()
        ok = self.replay.first_use(
            str(claims.get("iss")), str(claims.get("jti")), exp + self.leeway_seconds, now
        )
        if not ok:
            raise AuthError("replayed jti")

    def _remote(self, url: str) -> Mapping[str, Any]:
        now = self.clock()
        hit = self._fetched.get(url)
        if hit is not None and now - hit[0] < self.jwks_ttl_seconds:
            return hit[1]
        try:
            data = self.fetcher(url)
        except (httpx.HTTPError, ValueError):
            raise AuthError("jwks could not be fetched") from None
        self._fetched[url] = (now, data)
        return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or ``None``."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_issuers(path: Path) -> list[TrustedIssuer]:
    """Trusted issuers from a JSON file: ``[{"iss": ..., "jku": [...], "jwks_file": ...}]``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of issuers")
    return [TrustedIssuer.from_mapping(item, path.parent) for item in data]
