from __future__ import annotations

import asyncio
import os
import sys
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from alembic.util import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

ROOT_DIR = Path(__file__).resolve().parents[5]
if str(ROOT_DIR) not in sys.path:
    sys.path.insert(0, str(ROOT_DIR))

from KSysAdmin.backend.infrastructure.database.alembic.dataLoss import guardDowngrades  # noqa: E402
from KSysAdmin.backend.infrastructure.database.tables import metadata  # noqa: E402
from shared.backend.config.settings import (  # noqa: E402
    ConfigurationError,
    DatabaseSettings,
    loadGroup,
    refuseMissingNamedFile,
)
from shared.backend.database.engine import connectFailureMessage  # noqa: E402

config = context.config
if config.config_file_name is not None and config.attributes.get("configureLogging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def envFile() -> Path:
    configured = Path(os.environ.get("KSERVICES_ENV_FILE", ".env"))
    if configured.is_absolute() or configured.exists():
        return configured
    return ROOT_DIR / configured


def databaseSettings() -> DatabaseSettings:
    # Tests pass a scratch database through the config attributes.
    override = config.attributes.get("databaseUrl")
    if isinstance(override, str):
        return DatabaseSettings(DATABASE_URL=override)  # type: ignore[call-arg]
    # Only the database's group: a migration needs no secret, and a setting added later cannot stop an older one.
    # Alembic prints a CommandError as one line; a configuration problem is not a traceback.
    try:
        path = envFile()
        refuseMissingNamedFile(path)
        return loadGroup(DatabaseSettings, path)
    except ConfigurationError as error:
        raise CommandError(str(error)) from None


def databaseUrl() -> str:
    return databaseSettings().url.get_secret_value()


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
    # A downgrade that would drop stored data is refused unless -x dropData=true (dataLoss.py).
    guardDowngrades(context.get_context())


def runMigrationsOffline() -> None:
    configureContext(url=databaseUrl())
    with context.begin_transaction():
        context.run_migrations()


def runSync(connection: Connection) -> None:
    configureContext(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


# An unreachable server or refused login is named in one line; a migration's own failure keeps its traceback.
async def openConnection(engine: AsyncEngine) -> AsyncConnection:
    try:
        return await engine.connect()
    except Exception as error:
        raise CommandError(connectFailureMessage(engine, error)) from None


async def runMigrationsOnline() -> None:
    settings = databaseSettings()
    # The servers' connect timeout: asyncpg's own default waits 60 s for a server that never answers.
    engine = create_async_engine(settings.url.get_secret_value(),
                                 connect_args={"timeout": settings.connectTimeoutSeconds})
    try:
        connection = await openConnection(engine)
        try:
            await connection.run_sync(runSync)
        finally:
            await connection.close()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    runMigrationsOffline()
else:
    asyncio.run(runMigrationsOnline())
