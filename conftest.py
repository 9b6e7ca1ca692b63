from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from dotenv import dotenv_values
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from shared.backend.config.settings import Settings, loadSettings
from shared.backend.database.engine import Database, closeDb, createDatabase
from shared.backend.redis.client import createRedisClient
from shared.backend.security.passwordHasher import PasswordHasher

ROOT_DIR = Path(__file__).resolve().parent
DEFAULT_ENV_FILE = ROOT_DIR / ".run/test/env"
TEST_DATABASE = "kservices_test"
# Tests read only the environment written by scripts/test.sh, never a developer's .env.
TEST_ENV_FILE = Path(os.environ.setdefault("KSERVICES_ENV_FILE", str(DEFAULT_ENV_FILE))).resolve()


def listening(port: str | None) -> bool:
    try:
        socket.create_connection(("127.0.0.1", int(port or 0)), timeout=1).close()
    except (OSError, ValueError):
        return False
    return True


# The test stack's PostgreSQL and Redis (and servers, gateway) are started once when they are not running, by
# the command that sets them up for the whole suite; a stack it finds running is used as it is.
def ensureTestStack(config: pytest.Config) -> None:
    values = dotenv_values(DEFAULT_ENV_FILE) if DEFAULT_ENV_FILE.is_file() else {}
    if values and listening(values.get("TEST_PG_PORT")) and listening(values.get("TEST_REDIS_PORT")):
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\nthe test stack is not running: starting it with scripts/test.sh up", file=sys.stderr, flush=True)
        started = subprocess.run(["bash", str(ROOT_DIR / "scripts/test.sh"), "up"], check=False)
    if started.returncode != 0:
        raise pytest.UsageError("scripts/test.sh up failed: the test PostgreSQL and Redis could not be started")


def setting(name: str) -> str | None:
    return os.environ.get(name) or (dotenv_values(TEST_ENV_FILE).get(name) if TEST_ENV_FILE.is_file() else None)


def pytest_configure(config: pytest.Config) -> None:
    inspecting = config.option.help or config.option.collectonly or getattr(config.option, "showfixtures", False)
    if TEST_ENV_FILE == DEFAULT_ENV_FILE and "DATABASE_URL" not in os.environ and not inspecting:
        ensureTestStack(config)
    if not TEST_ENV_FILE.is_file() and "DATABASE_URL" not in os.environ:
        raise pytest.UsageError(f"{TEST_ENV_FILE} is missing: scripts/test.sh up writes it")
    # Suites truncate and rewrite tables: never against settings that are not the test stack's.
    environment, databaseUrl = setting("APP_ENV"), setting("DATABASE_URL") or ""
    database = databaseUrl.rsplit("/", 1)[-1].split("?", 1)[0]
    if environment != "test" or database != TEST_DATABASE:
        raise pytest.UsageError(
            f"APP_ENV is {environment!r} and the database {database!r} in {TEST_ENV_FILE} and the environment: "
            f"tests run only against the test stack (APP_ENV=test, database {TEST_DATABASE}, from scripts/test.sh)"
        )


@pytest.fixture(scope="session")
def settings() -> Settings:
    return loadSettings()


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = createDatabase(settings.database)
    yield database
    await closeDb(database)


@pytest.fixture
async def dbSession(database: Database) -> AsyncIterator[AsyncSession]:
    # Each test runs in a transaction that is rolled back; commits inside become savepoints.
    async with database.engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(bind=connection, expire_on_commit=False,
                               join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
async def redisClient(settings: Settings) -> AsyncIterator[Redis]:
    client = createRedisClient(settings.redis)
    yield client
    await client.aclose()


@pytest.fixture(scope="session")
def gatewayUrl(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.gateway.port}"


@pytest.fixture(scope="session")
def runDir() -> Path:
    return Path(os.environ.get("TEST_RUN_DIR", ".run/test")).resolve()


# The hashes each Argon2id run of the test was given (PasswordHasher.verifySync, counted as it runs).
@pytest.fixture
def argon2Runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    runs: list[str] = []
    original = PasswordHasher.verifySync

    def counted(self: PasswordHasher, passwordHash: str, password: str) -> bool:
        runs.append(passwordHash)
        return original(self, passwordHash, password)

    monkeypatch.setattr(PasswordHasher, "verifySync", counted)
    return runs
