from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from argparse import Namespace
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.util import CommandError

from KSysAdmin.tests.migrationSupport import ALEMBIC_INI, alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings
from shared.backend.database.schemaRevision import SCHEMA_REVISION

FLAG_COLUMNS = "payments.flag_resolved_at, payments.flag_resolved_by, payments.flag_resolution"
INSERT_USER = ("INSERT INTO users (id, email, password_hash, admin_tokens_valid_after) "
               "VALUES (gen_random_uuid(), 'a@b.c', 'h', CASE WHEN $1 THEN now() END)")
# A payment whose flag an admin resolved, and a cancelled QRIS payment still watched for a late payment.
INSERT_RESOLVED = (
    "INSERT INTO payments (id, user_id, amount, method, idempotency_key, request_hash, partner_reference_no, "
    "expires_at, flagged_reason, flag_resolved_at, flag_resolved_by, flag_resolution) "
    "SELECT gen_random_uuid(), id, 1, 'qris', 'k1', 'h', 'p1', now(), 'amount', now(), id, 'refunded' FROM users")
INSERT_WATCHED = (
    "INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, partner_reference_no, "
    "expires_at, recheck_at) SELECT gen_random_uuid(), id, 1, 'qris', 'cancelled', 'k2', 'h', 'p2', now(), "
    "now() + interval '1 hour' FROM users")
INSERT_PLAIN = (
    "INSERT INTO payments (id, user_id, amount, method, idempotency_key, request_hash, partner_reference_no, "
    "expires_at) SELECT gen_random_uuid(), id, 1, 'briva', 'k3', 'h', 'p3', now() FROM users")


@pytest.fixture
async def scratchUrl(settings: Settings) -> AsyncIterator[str]:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        yield url


async def migratedWith(url: str, *statements: str, tokensValidAfter: bool = False) -> None:
    await runAlembic(alembicConfig(url), "upgrade", "head")
    connection = await connectTo(url)
    try:
        await connection.execute(INSERT_USER, tokensValidAfter)
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def fetchOne(url: str, query: str) -> object:
    connection = await connectTo(url)
    try:
        return await connection.fetchval(query)
    finally:
        await connection.close()


def accepting(url: str) -> Config:
    config = alembicConfig(url)
    config.cmd_opts = Namespace(x=["dropData=true"])
    return config


# A resolved flag stops `downgrade 0010` (0011 drops the resolution), before any step runs: the database stays at
# the head with its data. With -x dropData=true the downgrade runs, and the upgrade brings the flag back open.
async def test_downgradeDroppingAResolvedFlagIsRefusedUntilAccepted(scratchUrl: str) -> None:
    await migratedWith(scratchUrl, INSERT_RESOLVED, INSERT_WATCHED)
    with pytest.raises(CommandError) as refused:
        await runAlembic(alembicConfig(scratchUrl), "downgrade", "0010")
    message = str(refused.value)
    assert f"migration 0011 drops {FLAG_COLUMNS} (1 row holds data); nothing was changed" in message
    assert "-x dropData=true" in message and "0007" not in message
    assert await fetchOne(scratchUrl, "SELECT version_num FROM alembic_version") == SCHEMA_REVISION
    assert await fetchOne(scratchUrl, "SELECT flag_resolution FROM payments WHERE flag_resolved_at IS NOT NULL") \
        == "refunded"

    await runAlembic(accepting(scratchUrl), "downgrade", "0010")
    assert await fetchOne(scratchUrl, "SELECT version_num FROM alembic_version") == "0010"
    await runAlembic(alembicConfig(scratchUrl), "upgrade", "head")
    assert await fetchOne(scratchUrl, "SELECT count(*) FROM payments WHERE flag_resolved_at IS NOT NULL") == 0


# Every drop on the way down is named with its count; a table or column without data is not.
async def test_refusalNamesEveryDropOnTheWay(scratchUrl: str) -> None:
    await migratedWith(scratchUrl, INSERT_RESOLVED, INSERT_WATCHED, tokensValidAfter=True)
    with pytest.raises(CommandError) as refused:
        await runAlembic(alembicConfig(scratchUrl), "downgrade", "base")
    message = str(refused.value)
    for named in (f"migration 0011 drops {FLAG_COLUMNS} (1 row holds data)",
                  "migration 0008 drops users.admin_tokens_valid_after (1 row holds data)",
                  "migration 0007 drops payments.recheck_at (1 row holds data)",
                  "migration 0001 drops table payments (2 rows hold data)",
                  "migration 0001 drops table users (1 row holds data)"):
        assert named in message
    assert "table roles" not in message and "table sessions" not in message
    assert await fetchOne(scratchUrl, "SELECT count(*) FROM payments") == 2


# Rows whose dropped columns are empty are no loss: the downgrade runs without the flag.
async def test_emptyColumnsDowngradeWithoutTheFlag(scratchUrl: str) -> None:
    await migratedWith(scratchUrl, INSERT_PLAIN)
    await runAlembic(alembicConfig(scratchUrl), "downgrade", "0006")
    assert await fetchOne(scratchUrl, "SELECT version_num FROM alembic_version") == "0006"
    assert await fetchOne(scratchUrl, "SELECT count(*) FROM payments") == 1


# Offline (--sql) nothing can be counted: every declared drop is named until the loss is accepted.
async def test_offlineDowngradeNeedsTheFlag(scratchUrl: str) -> None:
    await migratedWith(scratchUrl)
    with pytest.raises(CommandError, match=f"migration 0011 drops {FLAG_COLUMNS}. To accept"):
        await asyncio.to_thread(command.downgrade, alembicConfig(scratchUrl), f"{SCHEMA_REVISION}:0010", sql=True)
    config = accepting(scratchUrl)
    config.output_buffer = io.StringIO()
    await asyncio.to_thread(command.downgrade, config, f"{SCHEMA_REVISION}:0010", sql=True)
    assert "DROP COLUMN flag_resolution" in config.output_buffer.getvalue()


# The command line as docs/operations.md gives it: the refusal is one FAILED: line, -x dropData=true accepts.
async def test_commandLineRefusesThenAccepts(scratchUrl: str, tmp_path: Path) -> None:
    await migratedWith(scratchUrl, INSERT_RESOLVED)
    envFile = tmp_path / "env"
    envFile.write_text(f"DATABASE_URL={scratchUrl}\n")
    environment = {"PATH": os.environ["PATH"], "KSERVICES_ENV_FILE": str(envFile)}

    def alembic(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "alembic", *arguments], cwd=ALEMBIC_INI.parent, env=environment,
                              capture_output=True, text=True, timeout=60, check=False)

    refused = await asyncio.to_thread(alembic, "downgrade", "0010")
    assert refused.returncode != 0
    assert refused.stdout.startswith("FAILED: downgrade refused"), refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    accepted = await asyncio.to_thread(alembic, "-x", "dropData=true", "downgrade", "0010")
    assert accepted.returncode == 0, accepted.stderr
    assert await fetchOne(scratchUrl, "SELECT version_num FROM alembic_version") == "0010"
