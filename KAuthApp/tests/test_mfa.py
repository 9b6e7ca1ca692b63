from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pyotp
from sqlalchemy import text

from KAuthApp.tests.authTestSupport import PASSWORD, auditRows, bearer, login, registerVerified, runSql, userIdOf
from shared.backend.database.engine import Database


async def enableMfa(client: httpx2.AsyncClient, tokens: dict[str, str]) -> tuple[pyotp.TOTP, list[str], str]:
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    assert setup.status_code == 200
    body = setup.json()
    assert body["provisioningUri"].startswith("otpauth://totp/")
    assert "issuer=" in body["provisioningUri"]
    totp = pyotp.TOTP(body["secret"])
    wrong = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": "000000"
                              if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_mfa_code"
    enabled = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": totp.now()})
    assert enabled.status_code == 200
    codes = enabled.json()["recoveryCodes"]
    assert len(codes) == len(set(codes)) == 10
    return totp, codes, body["secret"]


async def test_totpLoginReplayAndRecoveryCodes(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    totp, codes, secret = await enableMfa(client, tokens)
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["mfaEnabled"] is True

    missing = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "mfa_required"
    wrongPassword = await client.post("/api/auth/login", json={"email": address, "password": "bad bad bad 1"})
    assert wrongPassword.json()["error"]["code"] == "invalid_credentials"

    nextCode = totp.at(time.time() + 30)
    assert (await login(client, address, totpCode=nextCode))["accessToken"]
    replay = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD, "totpCode": nextCode})
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == "invalid_mfa_code"
    older = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD, "totpCode": totp.now()})
    assert older.json()["error"]["code"] == "invalid_mfa_code"

    assert (await login(client, address, recoveryCode=codes[0].upper()))["accessToken"]
    reused = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD,
                                                       "recoveryCode": codes[0]})
    assert reused.json()["error"]["code"] == "invalid_mfa_code"
    client.cookies.clear()

    async with database.engine.connect() as connection:
        row = (await connection.execute(text("SELECT totp_secret_encrypted, totp_last_used_step FROM users "
                                             "WHERE email = :email"), {"email": address.lower()})).one()
        hashes = (await connection.execute(text("SELECT code_hash, used_at FROM mfa_recovery_codes r JOIN users u "
                                                "ON u.id = r.user_id WHERE u.email = :email"),
                                           {"email": address.lower()})).all()
    assert secret not in row[0]
    assert row[1] is not None
    assert len(hashes) == 10
    assert sum(1 for entry in hashes if entry[1] is not None) == 1
    assert not {entry[0] for entry in hashes} & {code for code in codes}


async def test_disableNeedsPasswordAndCode(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    totp, codes, _ = await enableMfa(client, tokens)
    again = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    assert again.status_code == 409
    noCode = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens), json={"password": PASSWORD})
    assert noCode.json()["error"]["code"] == "invalid_mfa_code"
    badPassword = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                    json={"password": "wrong one here", "recoveryCode": codes[1]})
    assert badPassword.status_code == 403
    assert badPassword.json()["error"]["code"] == "invalid_password"
    disabled = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                 json={"password": PASSWORD, "code": totp.at(time.time() + 30)})
    assert disabled.status_code == 204
    successes = [details for action, outcome, _, _, details in await auditRows(database, address)
                 if action == "auth.mfa_disable" and outcome == "success"]
    assert len(successes) == 1 and '"method": "totp"' in successes[0]
    assert (await login(client, address))["accessToken"]
    client.cookies.clear()


# Enable counts wrong codes toward the lockout, so a temporarily locked account is refused even the right code: 423,
# as its OpenAPI document says.
async def test_enableWhileLockedIs423(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    await runSql(database, "UPDATE users SET locked_until = now() + interval '1 hour' WHERE id = :id",
                 await userIdOf(database, address))
    code = pyotp.TOTP(setup.json()["secret"]).now()
    locked = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": code})
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "account_locked" and "Retry-After" in locked.headers
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).json()["mfaEnabled"] is False
    document = (await client.get("/api/auth/openapi.json")).json()
    assert document["paths"]["/api/auth/mfa/totp/enable"]["post"]["responses"]["423"]["x-error-codes"] == [
        "account_locked"]
