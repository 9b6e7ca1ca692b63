from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from shared.backend.config.settings import DatabaseSettings, RedisSettings
from shared.backend.database.engine import DatabaseUnavailableError, initDb
from shared.backend.redis.client import RedisUnavailableError, initRedis
from shared.backend.startupFailure import StartupFailureFilter

TRACEBACK = """Traceback (most recent call last):
  File "/x/starlette/routing.py", line 694, in lifespan
    async with self.lifespan_context(app) as maybe_state:
shared.backend.startupFailure.StartupError: KServices public API cannot start: the first line
the second line
"""


# uvicorn's traceback of a failed lifespan becomes the StartupError's whole message in one line: its last line
# alone was SQLAlchemy's "(Background on this error at: ...)" footer for a missing database.
def test_aMultiLineStartupErrorIsKeptWhole() -> None:
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, TRACEBACK, (), None)
    assert StartupFailureFilter().filter(record)
    assert record.getMessage() == ("shared.backend.startupFailure.StartupError: KServices public API cannot start: "
                                   "the first line the second line")


# A URL the settings would refuse (they are bypassed here) fails inside the startup's handling, named by its
# variable, without the driver's text, which quotes the piece of the password taken for the port.
async def test_aDatabaseUrlTheEngineCannotBuildIsNamed() -> None:
    settings = DatabaseSettings.model_construct(url=SecretStr("postgresql+asyncpg://app:Secr3t@127.0.0.1:Tail/db"))
    with pytest.raises(DatabaseUnavailableError) as error:
        await initDb(settings)
    assert str(error.value).startswith("DATABASE_URL cannot be used (ValueError)"), error.value
    assert "Secr3t" not in str(error.value) and "Tail" not in str(error.value)


async def test_aRedisUrlThePoolCannotBuildIsNamed() -> None:
    settings = RedisSettings.model_construct(url=SecretStr("redis://:Secr3t@127.0.0.1:Tail/0"))
    with pytest.raises(RedisUnavailableError) as error:
        await initRedis(settings)
    assert str(error.value).startswith("REDIS_URL cannot be used (ValueError)"), error.value
    assert "Secr3t" not in str(error.value) and "Tail" not in str(error.value)
