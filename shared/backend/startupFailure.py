from __future__ import annotations

import logging

from shared.backend.cryptoFactory import CryptoSelfTestError
from shared.backend.database.engine import DatabaseUnavailableError
from shared.backend.database.schemaRevision import SchemaRevisionError
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError
from shared.backend.redis.client import RedisUnavailableError
from shared.backend.security.storedValueCheck import StoredDataUnreadableError

# Outages and misconfigurations whose message names the problem: startup stops without their tracebacks.
KNOWN_STARTUP_FAILURES = (DatabaseUnavailableError, RedisUnavailableError, CryptoSelfTestError, SchemaRevisionError,
                          StoredDataUnreadableError, ServiceConfigurationError)


class StartupError(RuntimeError):
    pass


# uvicorn logs a failed lifespan as Starlette's formatted traceback (~25 lines of nested lifespans); a
# StartupError's is reduced to its last line, which names the problem.
class StartupFailureFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Traceback") and f"{StartupError.__module__}.StartupError: " in message:
            record.msg, record.args = message.rstrip().splitlines()[-1], ()
        return True


def quietStartupFailures() -> None:
    uvicornLogger = logging.getLogger("uvicorn.error")
    if not any(isinstance(item, StartupFailureFilter) for item in uvicornLogger.filters):
        uvicornLogger.addFilter(StartupFailureFilter())
