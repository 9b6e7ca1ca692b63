from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import httpx2
import jwt
import pytest
from sqlalchemy import text

from KSysPayment.backend.infrastructure.bri.snapSignature import snapTimestamp
from shared.backend.config.settings import Settings
from tests.security.securitySupport import BRI_INBOUND, Account, Actors, errorCode, isEnvelope

# One protected read per group, and which audience and account it needs.
TARGETS = {
    "auth": ("GET", "/api/auth/me", "user"),
    "payment": ("GET", "/api/payment/payments", "user"),
    "admin": ("GET", "/api/admin/users", "admin"),
}
REFUSED = {"invalid_token", "unauthenticated", "session_revoked"}


def claimsFor(actors: Actors, account: Account, audience: str, **override: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": str(account.userId), "sid": str(account.sessionId), "roles": account.roles, "aud": audience,
        "iss": actors.factory.settings.jwt.issuer, "iat": now, "exp": now + 600, "jti": "tamper-test",
    }
    return claims | override


def audienceOf(actors: Actors, kind: str) -> str:
    jwtSettings = actors.factory.settings.jwt
    return jwtSettings.adminAudience if kind == "admin" else jwtSettings.userAudience


def accountOf(actors: Actors, kind: str) -> Account:
    return actors.superadmin if kind == "admin" else actors.user


async def call(client: httpx2.AsyncClient, base: str, group: str, token: str) -> httpx2.Response:
    method, path, _ = TARGETS[group]
    return await client.request(method, base + path, headers={"Authorization": f"Bearer {token}"})


def assertRefused(response: httpx2.Response, case: str) -> None:
    assert response.status_code == 401, f"{case}: {response.status_code} {response.text[:200]}"
    assert isEnvelope(response) and errorCode(response) in REFUSED, f"{case}: {response.text[:200]}"


@pytest.mark.parametrize("group", sorted(TARGETS))
async def test_validTokenIsAcceptedAsControl(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors,
                                             group: str) -> None:
    kind = TARGETS[group][2]
    account = accountOf(actors, kind)
    token = account.adminToken if kind == "admin" else account.userToken
    response = await call(ahttp, gatewayUrl, group, token)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("group", sorted(TARGETS))
async def test_forgedAndAlteredTokensAreRefused(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors,
                                                group: str) -> None:
    kind = TARGETS[group][2]
    account = accountOf(actors, kind)
    audience = audienceOf(actors, kind)
    secret = actors.factory.settings.jwt.secret.get_secret_value()
    claims = claimsFor(actors, account, audience)
    genuine = jwt.encode(claims, secret, algorithm="HS256")
    header, _, signature = genuine.split(".")
    elevated = claims | {"roles": ["user", "admin", "superadmin"], "sub": str(actors.otherUser.userId)}
    forgedBody = base64.urlsafe_b64encode(json.dumps(elevated).encode()).rstrip(b"=").decode()
    cases = {
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "alg none, no signature dot": jwt.encode(claims, None, algorithm="none").rstrip("."),
        "wrong key": jwt.encode(claims, "not-the-secret-" + "x" * 40, algorithm="HS256"),
        "payload swapped, signature kept": f"{header}.{forgedBody}.{signature}",
        "expired": jwt.encode(claims | {"exp": int(time.time()) - 120, "iat": int(time.time()) - 900},
                              secret, algorithm="HS256"),
        "wrong issuer": jwt.encode(claims | {"iss": "someone-else"}, secret, algorithm="HS256"),
        "missing sid": jwt.encode({k: v for k, v in claims.items() if k != "sid"}, secret, algorithm="HS256"),
        "garbage": "not.a.jwt",
    }
    for case, token in cases.items():
        assertRefused(await call(ahttp, gatewayUrl, group, token), case)


@pytest.mark.parametrize("group", sorted(TARGETS))
async def test_wrongAudienceIsRefused(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors, group: str) -> None:
    kind = TARGETS[group][2]
    account = accountOf(actors, kind)
    # A superadmin's user-audience token on the admin API, and its admin token on the user APIs.
    token = account.userToken if kind == "admin" else actors.superadmin.adminToken
    assertRefused(await call(ahttp, gatewayUrl, group, token), "wrong audience")


@pytest.mark.parametrize("group", ["auth", "payment"])
async def test_revokedSessionIsRefused(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors, group: str) -> None:
    factory = actors.factory
    account = await factory.create(["user"], "sec-revoke")
    assert (await call(ahttp, gatewayUrl, group, account.userToken)).status_code == 200
    # A revocation ends the row, then deletes the key (a key lost alone is restored from a live row).
    async with factory.database.engine.begin() as connection:
        await connection.execute(text("UPDATE sessions SET revoked_at = now() WHERE id = :id"),
                                 {"id": account.sessionId})
    await factory.redis.delete(f"kauth:session:{account.sessionId}")
    response = await call(ahttp, gatewayUrl, group, account.userToken)
    assertRefused(response, "revoked session")
    assert errorCode(response) == "session_revoked"


async def test_disabledAdminIsRefusedAtOnce(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors) -> None:
    factory = actors.factory
    account = await factory.create(["user", "admin"], "sec-disabled-admin")
    assert (await call(ahttp, gatewayUrl, "admin", account.adminToken)).status_code == 200
    async with factory.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET status = 'disabled' WHERE id = :id"), {"id": account.userId})
    assertRefused(await call(ahttp, gatewayUrl, "admin", account.adminToken), "disabled admin")


# Well-formed calls (a fresh timestamp, BRI's client key) with a forged signature or token: refused as
# unauthorized, not for a missing header.
@pytest.mark.parametrize("path", BRI_INBOUND)
async def test_briInboundRefusesUnsignedCalls(
    gatewayUrl: str, ahttp: httpx2.AsyncClient, settings: Settings, path: str
) -> None:
    body = {"partnerServiceId": "   12345", "virtualAccountNo": "1", "originalReferenceNo": "1"}
    headers = {"Authorization": "Bearer forged", "X-SIGNATURE": base64.b64encode(b"forged" * 40).decode(),
               "X-TIMESTAMP": snapTimestamp(datetime.now(UTC)), "X-CLIENT-KEY": settings.bri.inboundClientId,
               "X-PARTNER-ID": "bri", "X-EXTERNAL-ID": "1", "CHANNEL-ID": "95221"}
    response = await ahttp.post(gatewayUrl + path, json=body, headers=headers)
    assert response.status_code == 401, response.text
    assert str(response.json().get("responseCode", "")).startswith("401"), response.text
