from __future__ import annotations

import asyncio

import httpx2
from sqlalchemy import text

from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.tests.adminSupport import PASSWORD, AdminWorld
from KSysAdmin.tests.test_adminMfa import mfaAdmin
from shared.backend.cryptoFactory import CryptoService

LOGIN = "/api/admin/auth/login"
# Long enough that the action began in an earlier second than the console token it must end.
SECOND_BOUNDARY = 1.2


async def waitForLockWaiters(world: AdminWorld, count: int) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")
    for _ in range(250):
        async with world.database.engine.connect() as connection:
            if (await connection.execute(query)).scalar_one() >= count:
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} requests waited on a lock")


# The target's console login holds its row (as its Argon2 run does) while the action waits for that row: the
# login is ordered first, so the action must end its token, whatever second the action's request began in.
async def actWhileTargetSignsIn(
    world: AdminWorld, target: User, login: dict[str, str], path: str, headers: dict[str, str]
) -> tuple[httpx2.Response, httpx2.Response]:
    async with world.database.engine.connect() as holder:
        await holder.begin()
        await holder.execute(text("SELECT id FROM users WHERE id = :id FOR UPDATE"), {"id": target.id})
        signIn = asyncio.create_task(world.client.post(LOGIN, json={"email": target.email, **login}))
        await waitForLockWaiters(world, 1)
        action = asyncio.create_task(world.client.post(f"/api/admin/users/{target.id}/{path}", headers=headers))
        await waitForLockWaiters(world, 2)
        await asyncio.sleep(SECOND_BOUNDARY)
        await holder.commit()
    return await signIn, await action


async def assertTokenEnded(world: AdminWorld, signedIn: httpx2.Response) -> None:
    assert signedIn.status_code == 200, signedIn.text
    refused = await world.client.get("/api/admin/users", headers={
        "Authorization": f"Bearer {signedIn.json()['accessToken']}"})
    assert refused.status_code == 401  # the token outlived the end of every sign-in
    assert refused.json()["error"]["code"] == "invalid_token"


# A lock took its time before it waited on the row: a token issued while it waited was dated after the lock's
# void, and came back to life with the unlock.
async def test_aConsoleLoginALockWaitedForStaysEndedAfterTheUnlock(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    target = await world.createUser(roles=("admin",))
    signedIn, locked = await actWhileTargetSignsIn(world, target, {"password": PASSWORD}, "lock", headers)
    assert locked.status_code == 200, locked.text
    unlocked = await world.client.post(f"/api/admin/users/{target.id}/unlock", headers=headers)
    assert unlocked.status_code == 200, unlocked.text
    await assertTokenEnded(world, signedIn)


# An MFA reset ends the console tokens issued with the old factor, a login it waited for included.
async def test_anMfaResetEndsTheConsoleLoginItWaitedFor(world: AdminWorld, cipher: CryptoService) -> None:
    _, headers = await world.adminToken(superadmin=True)
    target, totp = await mfaAdmin(world, cipher)
    login = {"password": PASSWORD, "totpCode": totp.now()}
    signedIn, reset = await actWhileTargetSignsIn(world, target, login, "mfa/reset", headers)
    assert reset.status_code == 200, reset.text
    await assertTokenEnded(world, signedIn)
