from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx2
import jwt

from KAuthApp.tests.authTestSupport import login, registerVerified
from shared.backend.config.settings import Settings


def encodePart(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def test_badAccessTokensRefused(client: httpx2.AsyncClient, outboxDir: Path, appSettings: Settings) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    claims = jwt.decode(tokens["accessToken"], options={"verify_signature": False})
    secret = appSettings.jwt.secret.get_secret_value()
    now = int(time.time())
    header, payload, signature = tokens["accessToken"].split(".")
    tampered = {**claims, "roles": ["admin"]}
    forged = {
        "alg_none": f"{encodePart({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "wrong_audience": jwt.encode({**claims, "aud": appSettings.jwt.adminAudience}, secret, algorithm="HS256"),
        "expired": jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
        "tampered": f"{header}.{encodePart(tampered)}.{signature}",
        "wrong_key": jwt.encode(claims, "another-secret-that-is-long-enough-1234", algorithm="HS256"),
        "wrong_issuer": jwt.encode({**claims, "iss": "someone-else"}, secret, algorithm="HS256"),
    }
    for name, token in forged.items():
        response = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["error"]["code"] == "invalid_token", name
    missing = await client.get("/api/auth/me")
    assert missing.status_code == 401
    assert (await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})).is_success


async def test_accessTokenClaims(client: httpx2.AsyncClient, outboxDir: Path, appSettings: Settings) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    claims = jwt.decode(tokens["accessToken"], appSettings.jwt.secret.get_secret_value(), algorithms=["HS256"],
                        audience=appSettings.jwt.userAudience)
    assert {"sub", "sid", "roles", "aud", "iat", "exp", "jti", "iss"} <= set(claims)
    assert claims["exp"] - claims["iat"] == appSettings.jwt.accessTtlSeconds == tokens["expiresIn"]
    assert claims["sid"].replace("-", "") == tokens["refreshToken"].split(".")[0]
