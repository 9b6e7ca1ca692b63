from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx2
import pytest
from sqlalchemy import update

from admin_server import createAdminApp
from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from KSysAdmin.tests.test_adminMfa import LOGIN, mfaAdmin
from shared.backend.config.settings import Settings
from shared.backend.cryptoFactory import CryptoService
from tests.support.inProcess import runningApp


# The suites' stack runs with AUTH_ADMIN_REQUIRE_MFA=false (their admins sign in with a password alone); this app
# runs with the default (tests/foundation/test_settings.py).
@pytest.fixture(scope="module")
async def requiringClient(adminSettings: Settings) -> AsyncIterator[httpx2.AsyncClient]:
    settings = dataclasses.replace(adminSettings, auth=adminSettings.auth.model_copy(update={"adminRequireMfa": True}))
    async with runningApp(createAdminApp(settings)) as client:
        yield client


async def test_anAdminWithoutTotpIsSentToTurnItOn(world: AdminWorld, requiringClient: httpx2.AsyncClient) -> None:
    admin = await world.createUser(roles=("superadmin",))
    refused = await requiringClient.post(LOGIN, json={"email": admin.email, "password": PASSWORD})
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "mfa_enrollment_required"
    assert "accessToken" not in refused.json()
    [entry] = await world.auditEntries("admin.login", admin.id)
    assert (entry.outcome, entry.details) == ("failure", {"reason": "mfa_not_enrolled"})
    assert (await world.getUser(admin.id)).failedLoginTimes == []
    # A wrong password says nothing about the second factor.
    wrong = await requiringClient.post(LOGIN, json={"email": admin.email, "password": "not-the-password"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_credentials")


async def test_aTokenEndsWhenItsAccountTurnsTotpOff(
    world: AdminWorld, cipher: CryptoService, requiringClient: httpx2.AsyncClient
) -> None:
    admin, totp = await mfaAdmin(world, cipher)
    login = await requiringClient.post(LOGIN, json={"email": admin.email, "password": PASSWORD,
                                                    "totpCode": totp.now()})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    assert (await requiringClient.get("/api/admin/users", headers=headers)).status_code == 200
    async with world.database.sessionFactory() as session:
        await session.execute(update(User).where(User.id == admin.id).values(mfaEnabled=False))
        await session.commit()
    refused = await requiringClient.get("/api/admin/users", headers=headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_token")
    [entry] = await world.auditEntries("GET /users", admin.id)
    assert (entry.outcome, entry.details["reason"]) == ("denied", "mfa_off")


# A superadmin's mfa/reset both turns TOTP off and voids the console tokens: the refusal names the TOTP, the cause;
# once TOTP is on again the token stays void, refused then as revoked.
async def test_anMfaResetEndsTheTokenAuditedAsMfaOff(
    world: AdminWorld, cipher: CryptoService, requiringClient: httpx2.AsyncClient
) -> None:
    target, targetTotp = await mfaAdmin(world, cipher)
    superadmin, superTotp = await mfaAdmin(world, cipher, roles=("superadmin",))
    tokens = []
    for account, totp in ((target, targetTotp), (superadmin, superTotp)):
        login = await requiringClient.post(LOGIN, json={"email": account.email, "password": PASSWORD,
                                                        "totpCode": totp.now()})
        assert login.status_code == 200, login.text
        tokens.append({"Authorization": f"Bearer {login.json()['accessToken']}"})
    targetHeaders, superHeaders = tokens
    reset = await requiringClient.post(f"/api/admin/users/{target.id}/mfa/reset", headers=superHeaders)
    assert reset.status_code == 200, reset.text
    refused = await requiringClient.get("/api/admin/users", headers=targetHeaders)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "invalid_token")
    [entry] = await world.auditEntries("GET /users", target.id)
    assert (entry.outcome, entry.details["reason"]) == ("denied", "mfa_off")
    async with world.database.sessionFactory() as session:
        await session.execute(update(User).where(User.id == target.id).values(mfaEnabled=True))
        await session.commit()
    again = await requiringClient.get("/api/admin/users", headers=targetHeaders)
    assert again.status_code == 401
    reasons = [entry.details["reason"] for entry in await world.auditEntries("GET /users", target.id)]
    assert sorted(reasons) == ["mfa_off", "token_revoked"]
