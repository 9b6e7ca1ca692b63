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


STARTUP_ERROR_LINE = f"{StartupError.__module__}.StartupError: "


# uvicorn logs a failed lifespan as Starlette's formatted traceback (~25 lines of nested lifespans); a
# StartupError's is reduced to its own message, which names the problem, in one line even when the message has
# several (the traceback ends with them all).
class StartupFailureFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Traceback") and STARTUP_ERROR_LINE in message:
            failure = message[message.rindex(STARTUP_ERROR_LINE):]
            record.msg, record.args = " ".join(line.strip() for line in failure.splitlines() if line.strip()), ()
        return True


def quietStartupFailures() -> None:
    uvicornLogger = logging.getLogger("uvicorn.error")
    if not any(isinstance(item, StartupFailureFilter) for item in uvicornLogger.filters):
        uvicornLogger.addFilter(StartupFailureFilter())
