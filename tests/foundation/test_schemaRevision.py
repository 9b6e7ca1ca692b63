from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from alembic.script import ScriptDirectory

from KSysAdmin.tests.migrationSupport import alembicConfig, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings
from shared.backend.database.schemaRevision import MIGRATE_COMMAND, SCHEMA_REVISION, revisionNumber
from tests.foundation.startupSupport import SERVERS, onScratch, runSql, startupFailure
from tests.foundation.test_startup import noTraceback, runServer, serverEnvironment

PREVIOUS = f"{int(SCHEMA_REVISION) - 1:04d}"


# Adding a migration without bumping SCHEMA_REVISION fails here; the numbering is what lets the startup check tell
# a database behind this code from one ahead of it.
def test_schemaRevisionIsTheHeadOfTheMigrations() -> None:
    scripts = ScriptDirectory.from_config(alembicConfig("postgresql+asyncpg://unused/unused"))
    assert scripts.get_heads() == [SCHEMA_REVISION]
    numbers = []
    for script in scripts.walk_revisions():
        number = revisionNumber(script.revision)
        assert number is not None, script.revision
        assert script.down_revision == (None if number == 1 else f"{number - 1:04d}"), script.revision
        numbers.append(number)
    assert sorted(numbers) == list(range(1, int(SCHEMA_REVISION) + 1))


@pytest.fixture
async def emptyDatabase(settings: Settings) -> AsyncIterator[str]:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        yield url


@pytest.fixture(scope="module")
async def previousRevision(settings: Settings) -> AsyncIterator[str]:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", PREVIOUS)
        yield url


@pytest.mark.parametrize("server", SERVERS)
async def test_unmigratedDatabaseStopsStartup(settings: Settings, emptyDatabase: str, server: str) -> None:
    failure = await startupFailure(SERVERS[server](onScratch(settings, emptyDatabase)))
    assert failure is not None
    assert "has no alembic_version table (never migrated)" in failure
    assert SCHEMA_REVISION in failure and MIGRATE_COMMAND in failure


@pytest.mark.parametrize("server", SERVERS)
async def test_databaseBehindTheCodeStopsStartupUntilMigrated(
    settings: Settings, previousRevision: str, server: str
) -> None:
    failure = await startupFailure(SERVERS[server](onScratch(settings, previousRevision)))
    assert failure is not None
    assert f"at schema revision {PREVIOUS}, behind the {SCHEMA_REVISION} this code needs" in failure
    assert MIGRATE_COMMAND in failure


async def test_upgradedDatabaseStarts(settings: Settings, previousRevision: str) -> None:
    await runAlembic(alembicConfig(previousRevision), "upgrade", "head")
    try:
        for build in SERVERS.values():
            assert await startupFailure(build(onScratch(settings, previousRevision))) is None
    finally:
        await runAlembic(alembicConfig(previousRevision), "downgrade", PREVIOUS)


# Migrations run before the new code is deployed (docs/decisions.md): a server still on this code keeps starting
# against a newer schema, and says so. A revision the project never numbers is refused.
async def test_databaseAheadStartsWithAWarningAndAnUnknownRevisionIsRefused(
    settings: Settings, emptyDatabase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await runAlembic(alembicConfig(emptyDatabase), "upgrade", "head")
    ahead = f"{int(SCHEMA_REVISION) + 1:04d}"
    await runSql(emptyDatabase, "UPDATE alembic_version SET version_num = $1", ahead)
    capsys.readouterr()
    for build in SERVERS.values():
        assert await startupFailure(build(onScratch(settings, emptyDatabase))) is None
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line.get("label") == "schema_ahead"]
    assert len(warnings) == 2
    assert warnings[0]["level"] == "warning"
    assert (warnings[0]["stored"], warnings[0]["expected"]) == (ahead, SCHEMA_REVISION)

    await runSql(emptyDatabase, "UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'")
    failure = await startupFailure(SERVERS["public"](onScratch(settings, emptyDatabase)))
    assert failure is not None and "a1b2c3d4e5f6, which this project's migrations do not number" in failure


# The real server start: exits at once with the one line naming the problem.
def test_serverOnAnUnmigratedDatabaseExitsNamingTheCommand(settings: Settings, emptyDatabase: str) -> None:
    code, output, elapsed = runServer("public_server", serverEnvironment(settings, DATABASE_URL=emptyDatabase))
    assert code != 0
    assert "KServices public API cannot start: the database has no alembic_version table" in output
    assert MIGRATE_COMMAND in output
    assert elapsed < 20
    assert noTraceback(output)
