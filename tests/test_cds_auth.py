"""Trust: every call's JWT is verified (ES384/RS384, kid, iss/jku, aud, time, jti)."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import jwt
import pytest

from her2path.cdshooks.auth import AuthError, JwtVerifier, TrustedIssuer
from her2path.kb import KnowledgeBase
from tests.cds_support import BASE, ISS, NOW, ClientKeys, auth, make_app, make_verifier

SANDBOX = "cds-hooks+sandbox"
AUD = BASE + "/cds-services/her2path-order-sign"


@pytest.fixture(scope="module")
def keys() -> ClientKeys:
    return ClientKeys()


def _reason(verifier: JwtVerifier, token: str, aud: str = AUD) -> str:
    with pytest.raises(AuthError) as info:
        verifier.verify(token, aud)
    return info.value.reason


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_es384_and_rs384_tokens_pass(keys: ClientKeys) -> None:
    v = make_verifier(keys)
    assert v.verify(keys.token(AUD), AUD)["iss"] == ISS
    assert v.verify(keys.token(AUD, alg="RS384"), AUD)["iss"] == ISS
    # aud may be a list; extra claims (nbf, sub, tenant) are accepted.
    claims = v.verify(keys.token([AUD, "x"], nbf=int(NOW) - 300, sub="c", tenant="t"), AUD)
    assert claims["tenant"] == "t"


def test_tampered_token_is_refused(keys: ClientKeys) -> None:
    token = keys.token(AUD)
    head, body, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["iss"] = ISS
    claims["aud"] = AUD
    claims["jti"] = "other"
    assert _reason(make_verifier(keys), f"{head}.{_b64(claims)}.{sig}") == "bad signature"


def test_expired_and_future_tokens_are_refused(keys: ClientKeys) -> None:
    v = make_verifier(keys)
    assert _reason(v, keys.token(AUD, exp=int(NOW) - 61, iat=int(NOW) - 400)) == "expired"
    assert _reason(v, keys.token(AUD, iat=int(NOW) + 600, exp=int(NOW) + 900)) == (
        "issued in the future"
    )
    assert _reason(v, keys.token(AUD, nbf=int(NOW) + 600)) == "not yet valid"
    # Within the leeway a slightly expired token still passes.
    assert v.verify(keys.token(AUD, exp=int(NOW) - 30, iat=int(NOW) - 330), AUD)


def test_replayed_jti_is_refused(keys: ClientKeys) -> None:
    v = make_verifier(keys)
    token = keys.token(AUD, jti="once")
    v.verify(token, AUD)
    assert _reason(v, token) == "replayed jti"


def test_unsigned_and_symmetric_tokens_are_refused(keys: ClientKeys) -> None:
    v = make_verifier(keys)
    claims = {"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 300, "jti": "n"}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ec-1'})}.{_b64(claims)}."
    assert _reason(v, unsigned) == "algorithm not allowed"
    hs = jwt.encode(claims, "k" * 48, algorithm="HS256", headers={"kid": "ec-1"})
    assert _reason(v, hs) == "algorithm not allowed"
    es256 = jwt.encode(claims, keys.ec, algorithm="ES384", headers={"kid": "ec-1"})
    forged = es256.split(".")
    forged[0] = _b64({"alg": "RS384", "typ": "JWT", "kid": "ec-1"})
    assert _reason(v, ".".join(forged)) in ("key algorithm does not match", "unusable key")


def test_wrong_audience_issuer_kid_and_jku(keys: ClientKeys) -> None:
    v = make_verifier(keys)
    assert _reason(v, keys.token(BASE + "/cds-services/other")) == "wrong audience"
    assert _reason(v, keys.token(AUD, iss="https://evil.example")) == "issuer not trusted"
    claims = {"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 300, "jti": "k"}
    bad_kid = jwt.encode(claims, keys.ec, algorithm="ES384", headers={"kid": "nope"})
    assert _reason(v, bad_kid) == "unknown kid"
    no_kid = jwt.encode(claims, keys.ec, algorithm="ES384")
    assert _reason(v, no_kid) == "no kid"
    jku = jwt.encode(
        claims, keys.ec, algorithm="ES384", headers={"kid": "ec-1", "jku": "https://evil/jwks"}
    )
    assert _reason(v, jku) == "jku not allowlisted for this issuer"
    assert _reason(v, keys.token(AUD, jti=None)) in (
        "missing jti",
        "invalid token: MissingRequiredClaimError",
    )


def test_allowlisted_jku_is_fetched_once(keys: ClientKeys) -> None:
    calls: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        calls.append(url)
        return keys.jwks

    url = "https://ehr.example.org/jwks.json"
    v = JwtVerifier([TrustedIssuer(ISS, jku=(url,))], clock=lambda: NOW, fetcher=fetch)
    claims = {"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 300}
    for jti in ("a", "b"):
        token = jwt.encode(
            {**claims, "jti": jti}, keys.ec, algorithm="ES384", headers={"kid": "ec-1", "jku": url}
        )
        v.verify(token, AUD)
    assert calls == [url]


def test_http_401_is_plain_and_tokens_are_not_logged(
    kb: KnowledgeBase, keys: ClientKeys, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_app(kb, keys)
    path = "/cds-services/her2path-order-sign"
    bad = keys.token(BASE + "/cds-services/elsewhere")
    with caplog.at_level(logging.DEBUG):
        r = client.post(path, json={}, headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401
    assert r.json() == {"detail": "Unauthorized"}
    assert bad not in caplog.text and bad.split(".")[2] not in caplog.text
    assert client.post(path, json={}).status_code == 401
    assert client.get("/cds-services").status_code == 401
    assert client.get("/cds-services", headers=auth(keys, "/cds-services")).status_code == 200


# --- the real CDS Hooks sandbox ---------------------------------------------------------


def _sandbox(fhir_examples: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    captured = json.loads(
        (fhir_examples / SANDBOX / "captured-locally" / "patient-view-request.json").read_text()
    )
    jwks = json.loads((fhir_examples / SANDBOX / "build" / ".well-known" / "jwks.json").read_text())
    return captured, jwks


def test_sandbox_token_checks_against_published_jwks(fhir_examples: Path) -> None:
    """The captured sandbox header and claims pass every check with the sandbox's real JWKS.

    The capture holds the decoded header and payload, not the signature bytes, so the
    signature step is shown with the key it resolves to; time is frozen inside the
    token's validity window.
    """
    captured, jwks = _sandbox(fhir_examples)
    header, claims = captured["jwt_header"], captured["jwt_payload"]
    issuer = TrustedIssuer(
        "https://sandbox.cds-hooks.org",
        jku=("https://sandbox.cds-hooks.org/.well-known/jwks.json",),
        jwks=jwks,
    )
    inside = float(claims["iat"]) + 10
    v = JwtVerifier([issuer], clock=lambda: inside)
    key = v.key_for(header, claims)
    assert key.key_id == "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"
    assert key.algorithm_name == "ES384"
    v.check_claims(claims, "http://127.0.0.1:3000" + captured["path"])
    v.check_replay(claims)
    with pytest.raises(AuthError, match="replayed"):
        v.check_replay(claims)
    late = JwtVerifier([issuer], clock=lambda: float(claims["exp"]) + 3600)
    with pytest.raises(AuthError, match="expired"):
        late.check_claims(claims, "http://127.0.0.1:3000" + captured["path"])
    with pytest.raises(AuthError, match="audience"):
        v.check_claims(claims, "https://cds.example.org" + captured["path"])


def test_sandbox_public_key_rejects_a_token_signed_by_another_key(
    fhir_examples: Path, keys: ClientKeys
) -> None:
    captured, jwks = _sandbox(fhir_examples)
    claims = dict(captured["jwt_payload"])
    forged = jwt.encode(claims, keys.ec, algorithm="ES384", headers=captured["jwt_header"])
    issuer = TrustedIssuer(
        "https://sandbox.cds-hooks.org", jku=(captured["jwt_header"]["jku"],), jwks=jwks
    )
    v = JwtVerifier([issuer], clock=lambda: float(claims["iat"]) + 10)
    assert _reason(v, forged, "http://127.0.0.1:3000" + captured["path"]) == "bad signature"


def test_sandbox_order_select_claims_check(fhir_examples: Path) -> None:
    captured = json.loads(
        (
            fhir_examples / SANDBOX / "captured-locally" / "order-select-request-early.json"
        ).read_text()
    )
    jwks = json.loads((fhir_examples / SANDBOX / "build" / ".well-known" / "jwks.json").read_text())
    header, claims = captured["jwt_header"], captured["jwt_payload"]
    issuer = TrustedIssuer(claims["iss"], jku=(header["jku"],), jwks=jwks)
    v = JwtVerifier([issuer], clock=lambda: float(claims["exp"]) - 1)
    assert v.key_for(header, claims).key_id == header["kid"]
    v.check_claims(claims, "http://127.0.0.1:3000" + captured["path"])
    untrusted = JwtVerifier([TrustedIssuer(claims["iss"], jwks=jwks)], clock=lambda: 0.0)
    with pytest.raises(AuthError, match="jku not allowlisted"):
        untrusted.key_for(header, claims)


def test_jku_keys_fetched_over_http_from_an_allowlisted_url(keys: ClientKeys) -> None:
    """The key set is fetched from the token's jku (a JWKS server on 127.0.0.1)."""
    from fastapi import FastAPI

    from tests.cds_support import FhirStub

    stub = FhirStub([])
    jwks_app = FastAPI()

    @jwks_app.get("/.well-known/jwks.json")
    def jwks() -> dict[str, Any]:
        return keys.jwks

    stub.app = jwks_app
    with stub.running() as base:
        url = f"{base}/.well-known/jwks.json"
        v = JwtVerifier([TrustedIssuer(ISS, jku=(url,))], clock=lambda: NOW)
        claims = {"iss": ISS, "aud": AUD, "iat": int(NOW), "exp": int(NOW) + 300, "jti": "h"}
        token = jwt.encode(claims, keys.ec, algorithm="ES384", headers={"kid": "ec-1", "jku": url})
        assert v.verify(token, AUD)["jti"] == "h"
        wrong = jwt.encode(
            {**claims, "jti": "i"},
            keys.ec,
            algorithm="ES384",
            headers={"kid": "ec-1", "jku": f"{base}/other.json"},
        )
        assert _reason(v, wrong) == "jku not allowlisted for this issuer"
    # Server gone: the keys can no longer be fetched (cache is per verifier).
    fresh = JwtVerifier([TrustedIssuer(ISS, jku=(url,))], clock=lambda: NOW)
    token2 = jwt.encode(
        {**claims, "jti": "j"}, keys.ec, algorithm="ES384", headers={"kid": "ec-1", "jku": url}
    )
    assert _reason(fresh, token2) == "jwks could not be fetched"
