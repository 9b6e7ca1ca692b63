from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import select, update

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.backend.infrastructure.database import tables
from KSysAdmin.tests.adminSupport import CLI_OPERATOR, CLI_OPERATOR_ENV
from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.config.settings import DatabaseSettings, Settings
from shared.backend.cryptoFactory import CryptoService, DecryptionError, createCrypto
from shared.backend.database.engine import Database, createDatabase
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.fieldContexts import ENCRYPTED_USER_COLUMNS, phoneContext
from shared.backend.security.secondFactor import mfaContext
from shared.backend.utils.uuid import generateId
from tests.support.processes import freePort

ROOT_DIR = Path(__file__).resolve().parents[2]
OLD_KEY = base64.b64encode(os.urandom(32)).decode()
NEW_KEY = base64.b64encode(os.urandom(32)).decode()
ACTION = "cli.reencrypt_secrets"


def crypto(current: str) -> CryptoService:
    return createCrypto(CryptoSettings(CRYPTO_MASTER_KEY=current, _env_file=None))  # type: ignore[call-arg]


@pytest.fixture
async def scratch(adminSettings: Settings) -> AsyncIterator[tuple[str, Database]]:
    async with scratchDatabase(adminSettings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        database = createDatabase(DatabaseSettings(DATABASE_URL=url))  # type: ignore[call-arg]
        try:
            yield url, database
        finally:
            await database.engine.dispose()


# The test stack's configuration, with the scratch database and the given keys set in the environment (which
# the env file does not override).
def cliEnvironment(databaseUrl: str, keys: dict[str, str]) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CRYPTO_")}
    return environment | {"DATABASE_URL": databaseUrl, "CRYPTO_PREVIOUS_MASTER_KEYS": "", **CLI_OPERATOR_ENV, **keys}


CLI = [sys.executable, "-m", "KSysAdmin.backend.infrastructure.cli", "reencrypt-secrets"]


def runCli(databaseUrl: str, keys: dict[str, str], *arguments: str,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *arguments], capture_output=True, text=True, cwd=ROOT_DIR,
                          env=cliEnvironment(databaseUrl, keys), timeout=timeout, check=False)


async def addUser(database: Database, **values: object) -> uuid.UUID:
    user = User(email=f"r{generateId().hex[-12:]}@example.com", passwordHash="x", status="active", **values)
    async with database.sessionFactory() as session:
        session.add(user)
        await session.commit()
    return user.id


async def columnsOf(database: Database) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    async with database.sessionFactory() as session:
        rows = await session.execute(select(User.id, User.phoneEncrypted, User.totpSecretEncrypted))
        return {row.id: (row.phoneEncrypted, row.totpSecretEncrypted) for row in rows}


async def auditDetails(database: Database) -> list[tuple[str, dict[str, object]]]:
    async with database.sessionFactory() as session:
        statement = select(AuditLog).where(AuditLog.action == ACTION).order_by(AuditLog.createdAt)
        return [(entry.outcome, entry.details) for entry in (await session.execute(statement)).scalars()]


async def test_rotationMovesEveryValueToTheNewKeyAndReportsWhatNoKeyOpens(
    scratch: tuple[str, Database],
) -> None:
    url, database = scratch
    old, new = crypto(OLD_KEY), crypto(NEW_KEY)
    first, second, stray, deleted = generateId(), generateId(), generateId(), generateId()
    await addUser(database, id=first, phoneEncrypted=old.encryptSensitive("+62811", phoneContext(first)),
                  totpSecretEncrypted=old.encryptSensitive("JBSWY3DPEHPK3PXP", mfaContext(first)))
    await addUser(database, id=second, phoneEncrypted=new.encryptSensitive("+62822", phoneContext(second)))
    # A value copied from another user's row opens under no context of its own.
    await addUser(database, id=stray, phoneEncrypted=old.encryptSensitive("+62833", phoneContext(first)))
    await addUser(database, id=deleted, deletedAt=utcNow(),
                  phoneEncrypted=old.encryptSensitive("+62844", phoneContext(deleted)))
    await addUser(database)
    before = await columnsOf(database)
    keys = {"CRYPTO_MASTER_KEY": NEW_KEY, "CRYPTO_PREVIOUS_MASTER_KEYS": OLD_KEY}

    dry = await asyncio.to_thread(runCli, url, keys, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "4 rows with encrypted values: would re-encrypt 3, 1 already under CRYPTO_MASTER_KEY, 1 unreadable" \
        in dry.stdout
    assert f"user {stray} phone_encrypted" in dry.stderr
    assert await columnsOf(database) == before

    done = await asyncio.to_thread(runCli, url, keys, "--batch-size", "2")
    assert done.returncode == 1, done.stderr
    assert "re-encrypted 3, 1 already under CRYPTO_MASTER_KEY, 1 unreadable" in done.stdout
    after = await columnsOf(database)
    assert new.decryptSensitive(after[first][0] or "", phoneContext(first)) == "+62811"
    assert new.decryptSensitive(after[first][1] or "", mfaContext(first)) == "JBSWY3DPEHPK3PXP"
    assert new.decryptSensitive(after[deleted][0] or "", phoneContext(deleted)) == "+62844"
    with pytest.raises(DecryptionError):
        old.decryptSensitive(after[first][0] or "", phoneContext(first))
    assert after[second] == before[second] and after[stray] == before[stray]

    async with database.sessionFactory() as session:
        await session.execute(update(User).where(User.id == stray).values(phoneEncrypted=None))
        await session.commit()
    # With the old key dropped, every value still opens (a dry run checks it): the rotation is complete.
    final = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": NEW_KEY}, "--dry-run")
    assert final.returncode == 0, final.stderr
    assert "3 rows with encrypted values: would re-encrypt 0, 4 already under CRYPTO_MASTER_KEY, 0 unreadable" \
        in final.stdout
    assert "CRYPTO_PREVIOUS_MASTER_KEYS is empty" in final.stdout

    audited = await auditDetails(database)
    assert [outcome for outcome, _ in audited] == ["failure", "failure", "success"]
    assert [details["dryRun"] for _, details in audited] == [True, False, True]
    assert audited[1][1]["reencrypted"] == 3 and audited[1][1]["unreadableValues"] == [
        f"user {stray} phone_encrypted"]
    assert not any(OLD_KEY in str(details) or NEW_KEY in str(details) for _, details in audited)
    assert all(details.items() >= CLI_OPERATOR.items() for _, details in audited)


# A dry run only counts: it reads without row locks, so a row a user's transaction holds FOR UPDATE does not stop
# it. The real run locks each batch: it waits for that row, then moves it.
async def test_dryRunTakesNoRowLocksWhileTheRunWaitsForALockedRow(scratch: tuple[str, Database]) -> None:
    url, database = scratch
    userId = generateId()
    await addUser(database, id=userId, phoneEncrypted=crypto(OLD_KEY).encryptSensitive("+62866", phoneContext(userId)))
    keys = {"CRYPTO_MASTER_KEY": NEW_KEY, "CRYPTO_PREVIOUS_MASTER_KEYS": OLD_KEY}
    holder = await connectTo(url)
    try:
        locked = holder.transaction()
        await locked.start()
        await holder.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", userId)
        # Raises TimeoutExpired when the dry run waits for the lock (it takes a few seconds otherwise).
        dry = await asyncio.to_thread(runCli, url, keys, "--dry-run", timeout=30)
        assert dry.returncode == 0, dry.stderr
        assert "1 row with encrypted values: would re-encrypt 1, 0 already" in dry.stdout
        run = asyncio.create_task(asyncio.to_thread(runCli, url, keys))
        await waitUntilBlockedBy(url, holder)
        assert not run.done()
        await locked.rollback()
        done = await run
    finally:
        await holder.close()
    assert done.returncode == 0, done.stderr
    assert "1 row with encrypted values: re-encrypted 1, 0 already" in done.stdout
    moved = (await columnsOf(database))[userId][0] or ""
    assert crypto(NEW_KEY).decryptSensitive(moved, phoneContext(userId)) == "+62866"


# A run stopped part-way (killed while it waits for a row a user holds) has audited every batch it committed.
async def test_aStoppedRunLeavesEveryMovedValueAudited(scratch: tuple[str, Database]) -> None:
    url, database = scratch
    first, second = generateId(), generateId()
    for userId in (first, second):
        value = crypto(OLD_KEY).encryptSensitive("+62877", phoneContext(userId))
        await addUser(database, id=userId, phoneEncrypted=value)
    keys = {"CRYPTO_MASTER_KEY": NEW_KEY, "CRYPTO_PREVIOUS_MASTER_KEYS": OLD_KEY}
    holder = await connectTo(url)
    try:
        locked = holder.transaction()
        await locked.start()
        await holder.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", second)
        run = await asyncio.create_subprocess_exec(*CLI, "--batch-size", "1", cwd=ROOT_DIR,
                                                   env=cliEnvironment(url, keys), stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.DEVNULL)
        try:
            await waitUntilBlockedBy(url, holder)
        finally:
            run.kill()
            await asyncio.wait_for(run.wait(), 30)
        await locked.rollback()
    finally:
        await holder.close()
    after = await columnsOf(database)
    assert crypto(NEW_KEY).decryptSensitive(after[first][0] or "", phoneContext(first)) == "+62877"
    assert crypto(OLD_KEY).decryptSensitive(after[second][0] or "", phoneContext(second)) == "+62877"
    async with database.sessionFactory() as session:
        statement = select(AuditLog).where(AuditLog.action.startswith(ACTION))  # type: ignore[attr-defined]
        entries = [(entry.action, entry.details) for entry in (await session.execute(statement)).scalars()]
    assert entries == [(f"{ACTION}_batch", {"reencrypted": 1, "firstUserId": str(first), "lastUserId": str(first),
                                            **CLI_OPERATOR})]


# Returns once another backend waits for a lock the holder's transaction has. Asked on a connection of its own:
# within the holder's transaction pg_stat_activity would answer from the snapshot its first read took.
async def waitUntilBlockedBy(url: str, holder: asyncpg.Connection) -> None:
    query = "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))"
    deadline = time.monotonic() + 30
    observer = await connectTo(url)
    try:
        while not await observer.fetchval(query, holder.get_server_pid()):
            assert time.monotonic() < deadline, "the run never waited for the locked row"
            await asyncio.sleep(0.05)
    finally:
        await observer.close()


async def test_badArgumentsAndKeysAreRefusedBeforeAnyWrite(scratch: tuple[str, Database]) -> None:
    url, database = scratch
    userId = generateId()
    value = crypto(OLD_KEY).encryptSensitive("+62855", phoneContext(userId))
    await addUser(database, id=userId, phoneEncrypted=value)
    zero = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": NEW_KEY}, "--batch-size", "0")
    assert zero.returncode == 2 and "from 1 to 10000" in zero.stderr
    same = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": OLD_KEY, "CRYPTO_PREVIOUS_MASTER_KEYS": OLD_KEY})
    assert same.returncode == 2 and "CRYPTO_MASTER_KEY itself" in same.stderr
    assert OLD_KEY not in same.stderr
    # Without a previous key a run has nothing to move from, and its "re-encrypted 0, 0 unreadable" would pass for a
    # finished rotation: `docker compose restart` keeps the old key as the current one, and nothing as previous.
    unchanged = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": OLD_KEY})
    assert unchanged.returncode == 2, unchanged.stdout
    assert "CRYPTO_PREVIOUS_MASTER_KEYS is empty: there is no old key to move values from" in unchanged.stderr
    assert "re-encrypted" not in unchanged.stdout and OLD_KEY not in unchanged.stderr
    down = await asyncio.to_thread(runCli, f"postgresql+asyncpg://postgres@127.0.0.1:{freePort()}/none",
                                   {"CRYPTO_MASTER_KEY": NEW_KEY, "CRYPTO_PREVIOUS_MASTER_KEYS": OLD_KEY})
    assert down.returncode == 2 and "kservices: PostgreSQL unreachable" in down.stderr
    assert "Traceback" not in down.stderr
    assert (await columnsOf(database))[userId] == (value, None)
    assert await auditDetails(database) == []


# The commands log their audit lines as the servers do: LOG_FORMAT=json gives JSON lines, LOG_LEVEL filters them.
async def test_auditLinesFollowTheLoggingSettings(scratch: tuple[str, Database]) -> None:
    url, _ = scratch
    logged = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": NEW_KEY, "LOG_FORMAT": "json",
                                                   "LOG_LEVEL": "INFO"}, "--dry-run")
    assert logged.returncode == 0, logged.stderr
    lines = [json.loads(line) for line in logged.stdout.splitlines() if line.startswith("{")]
    assert [(line["category"], line["label"]) for line in lines] == [("Audit", ACTION)]
    quiet = await asyncio.to_thread(runCli, url, {"CRYPTO_MASTER_KEY": NEW_KEY, "LOG_LEVEL": "WARNING"}, "--dry-run")
    assert quiet.returncode == 0, quiet.stderr
    assert ACTION not in quiet.stdout and "0 rows with encrypted values" in quiet.stdout


# A new encrypted column that the rotation command does not know would stay under a retired key.
def test_everyEncryptedColumnIsWalkedByTheRotation() -> None:
    encrypted = {(table.name, column.name) for table in tables.metadata.tables.values()
                 for column in table.columns if column.name.endswith("_encrypted")}
    assert encrypted == {("users", name) for name in ENCRYPTED_USER_COLUMNS}
