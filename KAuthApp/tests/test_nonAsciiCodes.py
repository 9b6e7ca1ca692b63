from __future__ import annotations

import time
from pathlib import Path

import httpx2
import pyotp

from KAuthApp.backend.domain.opaqueTokens import issuedHere, newRefreshToken, refreshTagKey
from KAuthApp.backend.domain.totpPolicy import matchTotp
from KAuthApp.tests.authTestSupport import (
    PASSWORD,
    agedSession,
    auditRows,
    bearer,
    login,
    registerVerified,
    sessionIdOf,
)
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId

# Digits that str.isdigit() accepts but are not ASCII: hmac.compare_digest raises TypeError on such text.
ARABIC_INDIC = "\u0661\u0662\u0663\u0664\u0665\u0666"
FULLWIDTH = "\uff11\uff12\uff13\uff14\uff15\uff16"
ACCENTED_TAG = "\u00e9" * 22


def test_nonAsciiTagsAndCodesAreRefusedNotRaised() -> None:
    key = refreshTagKey("a secret for this test only")
    body = newRefreshToken(generateId(), key).rpartition(".")[0]
    assert not issuedHere(f"{body}.{ACCENTED_TAG}", (key,))
    secret = pyotp.random_base32()
    assert matchTotp(secret, ARABIC_INDIC, None) is None
    assert matchTotp(secret, FULLWIDTH, None) is None


# A token naming a real session (its id is every access token's sid) with a non-ASCII tag answered 500 and
# left no audit row; it is a forged token like any other.
async def test_nonAsciiRefreshTagIsAForgedToken(
    client: httpx2.AsyncClient, outboxDir: Path, database: Database
) -> None:
    address, tokens = await agedSession(client, outboxDir, database)
    prefix, secret, _ = tokens["refreshToken"].split(".")
    forged = f"{prefix}.{secret}.{ACCENTED_TAG}"
    refreshed = await client.post("/api/auth/refresh", json={"refreshToken": forged})
    assert refreshed.status_code == 401, refreshed.text
    assert refreshed.json()["error"]["code"] == "invalid_token"
    loggedOut = await client.post("/api/auth/logout", json={"refreshToken": forged})
    assert loggedOut.status_code == 204, loggedOut.text
    assert (await client.get("/api/auth/me", headers=bearer(tokens))).status_code == 200
    assert (await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})).status_code == 200
    denied = [action for action, outcome, _, _, details in await auditRows(database, address)
              if outcome == "denied" and "forged_token" in details and sessionIdOf(tokens) in details]
    assert denied == ["auth.refresh", "auth.logout"]
    client.cookies.clear()


# Non-ASCII digits as a TOTP code answered 500 on login (after the right password: the guess was neither
# counted nor audited), enable and disable; they are a wrong code.
async def test_nonAsciiTotpCodeIsAWrongCode(client: httpx2.AsyncClient, outboxDir: Path, database: Database) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    client.cookies.clear()
    setup = await client.post("/api/auth/mfa/totp/setup", headers=bearer(tokens), json={"password": PASSWORD})
    totp = pyotp.TOTP(setup.json()["secret"])
    for code in (ARABIC_INDIC, FULLWIDTH):
        refused = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": code})
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"]["code"] == "invalid_mfa_code"
    enabled = await client.post("/api/auth/mfa/totp/enable", headers=bearer(tokens), json={"code": totp.now()})
    assert enabled.status_code == 200, enabled.text

    attempt = await client.post("/api/auth/login", json={"email": address, "password": PASSWORD,
                                                         "totpCode": ARABIC_INDIC})
    assert attempt.status_code == 401, attempt.text
    assert attempt.json()["error"]["code"] == "invalid_mfa_code"
    disable = await client.post("/api/auth/mfa/totp/disable", headers=bearer(tokens),
                                json={"password": PASSWORD, "code": FULLWIDTH})
    assert disable.status_code == 401, disable.text
    assert disable.json()["error"]["code"] == "invalid_mfa_code"
    failures = [(action, details) for action, outcome, _, _, details in await auditRows(database, address)
                if outcome == "failure" and "invalid_mfa_code" in details]
    assert [action for action, _ in failures] == ["auth.mfa_enable", "auth.mfa_enable", "auth.login",
                                                  "auth.mfa_disable"]
    assert '"failedLoginCount": 2' in failures[-1][1]
    assert (await login(client, address, totpCode=totp.at(time.time() + 30)))["accessToken"]
    client.cookies.clear()
