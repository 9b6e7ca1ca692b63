from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import text

from admin_server import createAdminApp
from KSysAdmin.backend.application.purgeEndedRecords import ACTION, PurgeEndedRecords, PurgeReport
from KSysAdmin.backend.infrastructure.background.purgeTask import purgeTools
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.config.settings import AuthSettings
from shared.backend.database.modelSupport import utcNow
from shared.backend.utils.uuid import generateId
from tests.support.inProcess import runningApp

RETENTION_DAYS = 90


async def addSession(world: AdminWorld, userId: uuid.UUID, *, revokedDaysAgo: int | None = None,
                     idleInDays: int = 7, absoluteInDays: int = 30) -> uuid.UUID:
    now, sessionId = utcNow(), generateId()
    async with world.database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO sessions (id, user_id, family_id, refresh_token_hash, idle_expires_at, absolute_expires_at, "
            "revoked_at) VALUES (:id, :user, :id, :hash, :idle, :absolute, :revoked)"
        ), {"id": sessionId, "user": userId, "hash": generateId().hex, "idle": now + timedelta(days=idleInDays),
            "absolute": now + timedelta(days=absoluteInDays),
            "revoked": None if revokedDaysAgo is None else now - timedelta(days=revokedDaysAgo)})
    return sessionId


async def addToken(world: AdminWorld, userId: uuid.UUID, *, expiresInDays: int,
                   usedDaysAgo: int | None = None) -> uuid.UUID:
    now, tokenId = utcNow(), generateId()
    async with world.database.engine.begin() as connection:
        await connection.execute(text(
            "INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, expires_at, used_at) "
            "VALUES (:id, :user, 'password_reset', :hash, :expires, :used)"
        ), {"id": tokenId, "user": userId, "hash": generateId().hex, "expires": now + timedelta(days=expiresInDays),
            "used": None if usedDaysAgo is None else now - timedelta(days=usedDaysAgo)})
    return tokenId


async def remaining(world: AdminWorld, table: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(text(f"SELECT id FROM {table} WHERE id = ANY(:ids)"), {"ids": ids})  # noqa: S608
        return set(rows.scalars())


async def purgeEntries(world: AdminWorld, since: datetime) -> list[dict[str, object]]:
    async with world.database.engine.connect() as connection:
        rows = await connection.execute(text(
            "SELECT actor_type, actor_id, outcome, details FROM audit_logs "
            "WHERE action = :action AND created_at >= :since ORDER BY created_at, id"
        ), {"action": ACTION, "since": since})
        return [dict(row) for row in rows.mappings()]


def purge(world: AdminWorld, batchRows: int) -> PurgeEndedRecords:
    return PurgeEndedRecords(partial(purgeTools, world.database.sessionFactory), RETENTION_DAYS, batchRows)


# Rows that ended more than the retention ago go, in audited batches; live and recently ended rows stay.
async def test_endedRowsPastRetentionAreDeletedAndAudited(world: AdminWorld) -> None:
    started, user = utcNow(), await world.createUser()
    old = [await addSession(world, user.id, revokedDaysAgo=100),
           await addSession(world, user.id, idleInDays=-100, absoluteInDays=-80),
           await addSession(world, user.id, idleInDays=-95, absoluteInDays=-91)]
    kept = [await addSession(world, user.id, revokedDaysAgo=89, idleInDays=-89, absoluteInDays=-60),
            await addSession(world, user.id),
            await addSession(world, user.id, idleInDays=-10, absoluteInDays=-5)]
    oldTokens = [await addToken(world, user.id, expiresInDays=-99, usedDaysAgo=100),
                 await addToken(world, user.id, expiresInDays=-100),
                 await addToken(world, user.id, expiresInDays=1, usedDaysAgo=95)]
    keptTokens = [await addToken(world, user.id, expiresInDays=-10, usedDaysAgo=11),
                  await addToken(world, user.id, expiresInDays=1)]
    report = await purge(world, batchRows=2).execute()
    assert await remaining(world, "sessions", old + kept) == set(kept)
    assert await remaining(world, "one_time_tokens", oldTokens + keptTokens) == set(keptTokens)
    assert report == PurgeReport(sessions=3, oneTimeTokens=3)
    entries = await purgeEntries(world, started)
    counts = [(entry["details"]["sessions"], entry["details"]["oneTimeTokens"]) for entry in entries]  # type: ignore[index]
    assert counts == [(2, 2), (1, 1)]
    assert {(entry["actor_type"], entry["actor_id"], entry["outcome"]) for entry in entries} == {
        ("system", None, "success")}
    assert await purge(world, batchRows=2).execute() == PurgeReport()
    assert len(await purgeEntries(world, started)) == 2  # a pass with nothing to delete writes no entry


async def test_aStoppingPassDeletesNothing(world: AdminWorld) -> None:
    user = await world.createUser()
    sessionId = await addSession(world, user.id, revokedDaysAgo=200)
    assert await purge(world, batchRows=10).execute(stopping=lambda: True) == PurgeReport()
    assert await remaining(world, "sessions", [sessionId]) == {sessionId}
    await purge(world, batchRows=10).execute()
    assert await remaining(world, "sessions", [sessionId]) == set()


# The admin server runs a pass at startup (then every AUTH_PURGE_INTERVAL_SECONDS) and stops it with itself.
async def test_theAdminServerPurgesInTheBackground(world: AdminWorld) -> None:
    user = await world.createUser()
    sessionId = await addSession(world, user.id, revokedDaysAgo=RETENTION_DAYS + 1)
    auth = AuthSettings(AUTH_ENDED_RETENTION_DAYS=RETENTION_DAYS)  # type: ignore[call-arg]
    app = createAdminApp(dataclasses.replace(world.settings, auth=auth))
    before = {task for task in asyncio.all_tasks() if task.get_name() == "admin-purge-ended"}
    async with runningApp(app):
        for _ in range(50):
            if not await remaining(world, "sessions", [sessionId]):
                break
            await asyncio.sleep(0.1)
        [task] = [t for t in asyncio.all_tasks() if t.get_name() == "admin-purge-ended" and t not in before]
    assert await remaining(world, "sessions", [sessionId]) == set()
    assert task.done()
