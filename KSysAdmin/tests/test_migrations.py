from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from KSysAdmin.backend.infrastructure.database.tables import metadata
from KSysAdmin.tests.migrationSupport import ALEMBIC_INI, alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings

EXPECTED_ROLES = {"user", "admin", "superadmin"}


async def tableNames(url: str) -> set[str]:
    connection = await connectTo(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row["tablename"] for row in rows}
    finally:
        await connection.close()


def diffAgainstModels(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return list(compare_metadata(context, metadata))


async def schemaDiff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diffAgainstModels)
    finally:
        await engine.dispose()


@pytest.fixture
async def scratchUrl(settings: Settings):
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        yield url


async def test_upgradeDowngradeUpgrade(scratchUrl: str) -> None:
    config = alembicConfig(scratchUrl)
    await runAlembic(config, "upgrade", "head")
    created = await tableNames(scratchUrl)
    assert set(metadata.tables) <= created
    await runAlembic(config, "downgrade", "base")
    assert await tableNames(scratchUrl) <= {"alembic_version"}
    await runAlembic(config, "upgrade", "head")
    assert set(metadata.tables) <= await tableNames(scratchUrl)


async def test_stairway(scratchUrl: str) -> None:
    config = alembicConfig(scratchUrl)
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    assert revisions, "no migrations found"
    for revision in revisions:
        await runAlembic(config, "upgrade", revision.revision)
        await runAlembic(config, "downgrade", revision.down_revision or "base")
        await runAlembic(config, "upgrade", revision.revision)


async def test_modelsMatchMigrations(scratchUrl: str) -> None:
    await runAlembic(alembicConfig(scratchUrl), "upgrade", "head")
    assert await schemaDiff(scratchUrl) == []


async def test_rolesSeededAndAuditAppendOnly(scratchUrl: str) -> None:
    await runAlembic(alembicConfig(scratchUrl), "upgrade", "head")
    connection = await connectTo(scratchUrl)
    try:
        roles = {row["name"] for row in await connection.fetch("SELECT name FROM roles")}
        assert roles == EXPECTED_ROLES
        await connection.execute(
            "INSERT INTO audit_logs (id, actor_type, action, outcome) "
            "VALUES (gen_random_uuid(), 'system', 'x', 'success')"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("UPDATE audit_logs SET action = 'y'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("DELETE FROM audit_logs")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("TRUNCATE audit_logs")
        with pytest.raises(asyncpg.CheckViolationError):
            await connection.execute(
                "INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), 'Upper@Example.com', 'h')"
            )
    finally:
        await connection.close()


# The schema as PostgreSQL prints it back: every constraint's and index's definition (CHECK expressions,
# partial-index conditions, ON DELETE rules included) and every column's type, nullability and default.
SCHEMA_QUERIES = {
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE connamespace = 'public'::regnamespace AND conrelid <> 0",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, character_maximum_length, "
               "collation_name FROM information_schema.columns WHERE table_schema = 'public'",
}


async def schemaOf(url: str) -> dict[str, set[tuple[object, ...]]]:
    connection = await connectTo(url)
    try:
        return {name: {tuple(row) for row in await connection.fetch(query) if row[0] != "alembic_version"}
                for name, query in SCHEMA_QUERIES.items()}
    finally:
        await connection.close()


async def createAll(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    finally:
        await engine.dispose()


# Autogenerate compares neither CHECK expressions nor partial-index conditions: the migrated schema is
# compared with the one the models create, both as PostgreSQL prints them.
async def test_migratedSchemaEqualsTheModelsSchema(settings: Settings, scratchUrl: str) -> None:
    await runAlembic(alembicConfig(scratchUrl), "upgrade", "head")
    async with scratchDatabase(settings.database.url.get_secret_value()) as modelsUrl:
        await createAll(modelsUrl)
        migrated, models = await schemaOf(scratchUrl), await schemaOf(modelsUrl)
    for part in SCHEMA_QUERIES:
        assert migrated[part] - models[part] == set(), part
        assert models[part] - migrated[part] == set(), part


# What a concurrent index build that failed leaves behind: the index, marked INVALID.
async def plantInvalidIndex(connection: asyncpg.Connection, name: str, columns: str) -> None:
    await connection.execute(f"CREATE INDEX {name} ON payments ({columns})")
    await connection.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = $1::regclass", name)


async def indexState(connection: asyncpg.Connection, name: str) -> tuple[bool, str]:
    valid, definition = await connection.fetchrow(
        "SELECT indisvalid, pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = $1::regclass", name)
    return valid, definition


async def test_recheckMigrationRerunsAfterAFailedIndexBuild(scratchUrl: str) -> None:
    config = alembicConfig(scratchUrl)
    await runAlembic(config, "upgrade", "0006")
    # What a first 0007 attempt leaves when its concurrent build fails: the column committed, an INVALID index.
    connection = await connectTo(scratchUrl)
    try:
        await connection.execute("ALTER TABLE payments ADD COLUMN recheck_at timestamptz")
        await plantInvalidIndex(connection, "ix_payments_recheck_at_id", "recheck_at, id")
    finally:
        await connection.close()
    await runAlembic(config, "upgrade", "head")
    connection = await connectTo(scratchUrl)
    try:
        valid, definition = await indexState(connection, "ix_payments_recheck_at_id")
    finally:
        await connection.close()
    assert valid is True and "WHERE (recheck_at IS NOT NULL)" in definition
    assert await schemaDiff(scratchUrl) == []


# alembic reads DATABASE_URL alone: migrating needs no secret, and a setting added later cannot stop it. A missing
# URL is named.
def test_alembicNeedsOnlyTheDatabaseUrl(adminSettings: Settings, tmp_path: Path) -> None:
    envFile = tmp_path / "env"
    envFile.write_text(f"DATABASE_URL={adminSettings.database.url.get_secret_value()}\n")
    command = [sys.executable, "-m", "alembic", "current"]
    environment = {"PATH": os.environ["PATH"], "KSERVICES_ENV_FILE": str(envFile)}
    done = subprocess.run(command, cwd=ALEMBIC_INI.parent, env=environment, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "(head)" in done.stdout
    envFile.write_text("APP_ENV=production\n")
    refused = subprocess.run(command, cwd=ALEMBIC_INI.parent, env=environment, capture_output=True, text=True,
                             timeout=60, check=False)
    assert refused.returncode != 0
    assert "DATABASE_URL" in refused.stderr and "JWT_SECRET" not in refused.stderr


# A flag's resolution is whole (when, who, what), at most 500 characters, and only of a flag (migration 0011).
@pytest.mark.parametrize(("update", "refused"), [
    ("UPDATE payments SET flagged_reason = 'x', flag_resolved_at = now(), flag_resolved_by = user_id, "
     "flag_resolution = 'ok'", False),
    ("UPDATE payments SET flagged_reason = 'x', flag_resolved_at = now(), flag_resolution = 'ok'", True),
    ("UPDATE payments SET flagged_reason = 'x', flag_resolved_at = now(), flag_resolved_by = user_id, "
     "flag_resolution = repeat('r', 501)", True),
    ("UPDATE payments SET flag_resolved_at = now(), flag_resolved_by = user_id, flag_resolution = 'ok'", True),
], ids=["whole", "no resolver", "501 characters", "no flag"])
async def test_flagResolutionConstraints(scratchUrl: str, update: str, refused: bool) -> None:
    await runAlembic(alembicConfig(scratchUrl), "upgrade", "head")
    connection = await connectTo(scratchUrl)
    try:
        await connection.execute("INSERT INTO users (id, email, password_hash) "
                                 "VALUES (gen_random_uuid(), 'a@b.c', 'h')")
        await connection.execute(
            "INSERT INTO payments (id, user_id, amount, method, idempotency_key, request_hash, partner_reference_no, "
            "expires_at) SELECT gen_random_uuid(), id, 1, 'qris', 'k', 'h', 'p', now() FROM users")
        if refused:
            with pytest.raises(asyncpg.CheckViolationError):
                await connection.execute(update)
        else:
            await connection.execute(update)
    finally:
        await connection.close()


async def test_flagResolutionMigrationRerunsAfterAFailureHalfWay(scratchUrl: str) -> None:
    config = alembicConfig(scratchUrl)
    await runAlembic(config, "upgrade", "0010")
    # What a first 0011 attempt leaves when its autocommit block fails: the columns and the NOT VALID constraints
    # committed, an INVALID index.
    connection = await connectTo(scratchUrl)
    try:
        await connection.execute("ALTER TABLE payments ADD COLUMN flag_resolved_at timestamptz, "
                                 "ADD COLUMN flag_resolved_by uuid, ADD COLUMN flag_resolution text")
        await connection.execute("ALTER TABLE payments ADD CONSTRAINT fk_payments_flag_resolved_by_users "
                                 "FOREIGN KEY (flag_resolved_by) REFERENCES users (id) NOT VALID")
        await connection.execute("ALTER TABLE payments ADD CONSTRAINT ck_payments_flag_resolution_length "
                                 "CHECK (char_length(flag_resolution) <= 500) NOT VALID")
        await connection.execute("ALTER TABLE payments ADD CONSTRAINT ck_payments_flag_resolution_complete "
                                 "CHECK (num_nulls(flag_resolved_at, flag_resolved_by, flag_resolution) IN (0, 3)) "
                                 "NOT VALID")
        await connection.execute("ALTER TABLE payments ADD CONSTRAINT ck_payments_flag_resolution_needs_flag "
                                 "CHECK (flag_resolved_at IS NULL OR flagged_reason IS NOT NULL) NOT VALID")
        await plantInvalidIndex(connection, "ix_payments_open_flag_created_at_id", "created_at, id")
    finally:
        await connection.close()
    await runAlembic(config, "upgrade", "head")
    connection = await connectTo(scratchUrl)
    try:
        unvalidated = await connection.fetchval(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'payments'::regclass AND NOT convalidated")
        valid, definition = await indexState(connection, "ix_payments_open_flag_created_at_id")
    finally:
        await connection.close()
    assert unvalidated == 0
    assert valid is True and "WHERE ((flagged_reason IS NOT NULL) AND (flag_resolved_at IS NULL))" in definition
    assert await schemaDiff(scratchUrl) == []


# Payments sharing a BRI reference number stop migration 0012, named; once resolved the unique index is built.
async def test_sharedBriReferencesStopTheUniqueIndexMigration(scratchUrl: str) -> None:
    config = alembicConfig(scratchUrl)
    await runAlembic(config, "upgrade", "0011")
    connection = await connectTo(scratchUrl)
    try:
        await connection.execute("INSERT INTO users (id, email, password_hash) "
                                 "VALUES (gen_random_uuid(), 'a@b.c', 'h')")
        await connection.execute(
            "INSERT INTO payments (id, user_id, amount, method, idempotency_key, request_hash, partner_reference_no, "
            "expires_at, bri_reference_no) SELECT gen_random_uuid(), id, 1, 'qris', key, 'h', key, now(), "
            "'000000000042' FROM users, (VALUES ('k1'), ('k2')) AS keys (key)")
        with pytest.raises(RuntimeError, match=r"000000000042 \(2 payments\)"):
            await runAlembic(config, "upgrade", "head")
        await connection.execute("UPDATE payments SET bri_reference_no = NULL WHERE idempotency_key = 'k2'")
        await runAlembic(config, "upgrade", "head")
        valid, definition = await indexState(connection, "uq_payments_bri_reference_no")
    finally:
        await connection.close()
    assert valid is True and "UNIQUE" in definition and "WHERE (bri_reference_no IS NOT NULL)" in definition
    assert await schemaDiff(scratchUrl) == []
