from __future__ import annotations

import asyncio
import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

ROOT_DIR = Path(__file__).resolve().parents[5]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from KSysAdmin.backend.infrastructure.database.tables import metadata  # noqa: E402
from shared.backend.config.settings import DatabaseSettings, loadGroup  # noqa: E402

config = context.config
if config.config_file_name is not None and config.attributes.get("configureLogging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def envFile() -> Path:
    configured = Path(os.environ.get("KSERVICES_ENV_FILE", ".env"))
    if configured.is_absolute() or configured.exists():
        return configured
    return ROOT_DIR / configured


def databaseUrl() -> str:
    # Tests pass a scratch database through the config attributes.
    override = config.attributes.get("databaseUrl")
    if isinstance(override, str):
        return override
    # Only DATABASE_URL: a migration needs no secret, and a setting added later cannot stop an older one.
    return loadGroup(DatabaseSettings, envFile()).url.get_secret_value()


def configureContext(connection: Connection | None = None, url: str | None = None) -> None:
    context.configure(
        connection=connection,
        url=url,
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=True,
        literal_binds=connection is None,
        dialect_opts={"paramstyle": "named"} if connection is None else {},
    )


def runMigrationsOffline() -> None:
    configureContext(url=databaseUrl())
    with context.begin_transaction():
        context.run_migrations()


def runSync(connection: Connection) -> None:
    configureContext(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def runMigrationsOnline() -> None:
    engine = create_async_engine(databaseUrl())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(runSync)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    runMigrationsOffline()
else:
    asyncio.run(runMigrationsOnline())
