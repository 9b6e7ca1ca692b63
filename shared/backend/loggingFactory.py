from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Mapping, MutableMapping
from enum import StrEnum
from functools import lru_cache

import structlog

from shared.backend.config.settings import AppSettings

# Keys whose values never reach a log line, whatever the caller passes: secrets, and the phone number (stored
# encrypted, so never written in clear elsewhere).
SECRET_KEY_PATTERN = re.compile(
    r"pass(word)?|secret|token|authorization|cookie|api[_-]?key|private|otp|totp|code_?hash|signature"
    r"|recovery|credential|master_?key|phone",
    re.IGNORECASE,
)
REDACTED = "[redacted]"
# Secrets a value carries whatever its key: after a scheme or a link's parameter name, bare JWTs, and refresh
# tokens ("<session id hex>.<secret>.<tag>", 73 characters or more). Each pattern runs only on a value holding its
# literal part: most values are ids and paths, and scanning each with every pattern cost ten times the rest.
PREFIXED_SECRET_PATTERN = re.compile(r"(Bearer +|(?i:[?&#;](?:token|code|secret|password|signature)=))[^\s&'\"]+")
# A JWT starts at a run of [\w-]'s first "eyJ" (a later one in the run fails or matches alike), the run's part
# before it kept as group 1: matched from each "eyJ", a run of "eyJ-" scanned to its end from every one of them
# (64 KB took 3 s).
JWT_PATTERN = re.compile(r"(?<![\w-])((?:(?!\beyJ)[\w-])*)\beyJ[\w-]+\.[\w-]+\.[\w-]*")
REFRESH_TOKEN_PATTERN = re.compile(r"\b[0-9a-f]{32}\.[\w-]{40,}(?:\.[\w-]+)?")
REFRESH_TOKEN_LENGTH = 73
SCALARS = frozenset({str, int, float, bool})
# The driver's and PostgreSQL's refusals of a value quote it (asyncpg: "invalid input for query argument $1:
# 'value' (...)"; PostgreSQL: 'invalid input syntax for type uuid: "value"'): the rest of such a line goes.
DRIVER_VALUE_PATTERN = re.compile(
    r"(invalid input (?:for query argument \$\d+|syntax for type [\w ]+|value for enum [\w.]+)):[^\n]*"
)
# PostgreSQL's DETAIL line quotes stored values ("Key (email)=(...) already exists", "Failing row contains
# (...)", every column of the row, password hash included): only its label stays.
DETAIL_PATTERN = re.compile(r"\b(DETAIL):[^\n]*")
# Pydantic's and FastAPI's validation errors quote the input (a request's password, a response's token, an ORM
# row): pydantic's "[type=..., input_value=..., input_type=...]" and FastAPI's "{..., 'input': ..., 'ctx': ...}",
# one error per line. Pydantic's is cut with find/rfind: a regex with a trailing group backtracked quadratically
# (a line of repeated "input_value=" took a second per 60 KB).
PYDANTIC_INPUT, PYDANTIC_INPUT_END = "input_value=", ", input_type="
FASTAPI_INPUT_PATTERN = re.compile(r"('input': )[^\n]*")
# A mail server's refusal names the recipient; not a URL's user ("postgresql://user@host").
EMAIL_PATTERN = re.compile(r"(?<![\w.%+/:-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")


class LogCategory(StrEnum):
    SECURITY = "Security"
    APPLICATION = "Application"
    PERFORMANCE = "Performance"
    ERROR = "Error"
    AUDIT = "Audit"
    USER = "User"


# Field names come from code, so the set is small: the pattern runs once per name, not once per line.
@lru_cache(maxsize=4096)
def isSecretKey(key: str) -> bool:
    return SECRET_KEY_PATTERN.search(key) is not None


def withoutSecretValues(text: str) -> str:
    if "Bearer" in text or "=" in text:
        text = PREFIXED_SECRET_PATTERN.sub(rf"\1{REDACTED}", text)
    if "eyJ" in text:
        text = JWT_PATTERN.sub(rf"\1{REDACTED}", text)
    if len(text) >= REFRESH_TOKEN_LENGTH and "." in text:
        text = REFRESH_TOKEN_PATTERN.sub(REDACTED, text)
    return text


def redactValue(key: str, value: object) -> object:
    if isSecretKey(key):
        return REDACTED
    if type(value) is str:
        return withoutSecretValues(value)
    if value is None or type(value) in SCALARS:
        return value
    if isinstance(value, Mapping):
        return {str(k): redactValue(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redactValue(key, item) for item in value]
    return value


def redactSecrets(_logger: object, _method: str, event: MutableMapping[str, object]) -> Mapping[str, object]:
    for key in list(event.keys()):
        if key in {"label", "type", "category"}:
            continue
        # The message is a value like the others, whatever its key's name.
        event[key] = redactValue("message" if key in {"event", "message"} else key, event[key])
    return event


def withoutPydanticInput(line: str) -> str:
    start, end = line.find(PYDANTIC_INPUT), line.rfind(PYDANTIC_INPUT_END)
    return line[:start + len(PYDANTIC_INPUT)] + REDACTED + line[end:] if -1 < start < end else line


def withoutQuotedValues(value: object) -> object:
    if isinstance(value, str):
        text = DETAIL_PATTERN.sub(rf"\1: {REDACTED}", DRIVER_VALUE_PATTERN.sub(rf"\1: {REDACTED}", value))
        text = "\n".join(withoutPydanticInput(line) for line in text.split("\n"))
        text = FASTAPI_INPUT_PATTERN.sub(rf"\1{REDACTED}}}", text)
        return withoutSecretValues(EMAIL_PATTERN.sub(REDACTED, text))
    if isinstance(value, list):
        return [withoutQuotedValues(item) for item in value]
    if isinstance(value, dict):
        return {key: withoutQuotedValues(item) for key, item in value.items()}
    return value


# Runs after the exception is rendered (a traceback string or structlog's dicts), on its text and ours: an
# exception's message quotes values its raiser never meant for a log.
def redactQuotedValues(_logger: object, _method: str, event: MutableMapping[str, object]) -> Mapping[str, object]:
    for key in ("exception", "error_message"):
        if key in event:
            event[key] = withoutQuotedValues(event[key])
    return event


def addTimestampMs(_logger: object, _method: str, event: MutableMapping[str, object]) -> Mapping[str, object]:
    event["timestamp_ms"] = int(time.time() * 1000)
    return event


def renameEvent(_logger: object, _method: str, event: MutableMapping[str, object]) -> Mapping[str, object]:
    if "event" in event and "message" not in event:
        event["message"] = event.pop("event")
    return event


def configureLogging(settings: AppSettings) -> None:
    useJson = settings.logFormat == "json" or (settings.logFormat == "auto" and settings.env != "development")
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if useJson else structlog.dev.ConsoleRenderer(colors=False)
    )
    processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        addTimestampMs,
        redactSecrets,
        # Frame locals can hold passwords and tokens: tracebacks carry type, message and frames only.
        structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False))
        if useJson
        else structlog.processors.format_exc_info,
        redactQuotedValues,
    ]
    # JSON lines carry `message`; the console renderer prints the `event` key itself.
    processors += [renameEvent, renderer] if useJson else [renderer]
    logging.basicConfig(format="%(message)s", stream=sys.stdout, level=settings.logLevel, force=True)
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[settings.logLevel]),
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )


def bindRequestContext(requestId: str, userId: str | None = None) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=requestId)
    if userId is not None:
        structlog.contextvars.bind_contextvars(user_id=userId)


def bindUser(userId: str) -> None:
    structlog.contextvars.bind_contextvars(user_id=userId)


def clearRequestContext() -> None:
    structlog.contextvars.clear_contextvars()


class SystemLogger:
    def __init__(self, component: str) -> None:
        self.logger = structlog.get_logger(component)

    def log(self, category: LogCategory, type: str, label: str, message: str, **fields: object) -> None:
        level = "error" if category == LogCategory.ERROR else "warning" if type == "warning" else "info"
        getattr(self.logger, level)(message, category=str(category), type=type, label=label, **fields)

    def security(self, label: str, message: str, **fields: object) -> None:
        self.log(LogCategory.SECURITY, "event", label, message, **fields)

    def application(self, label: str, message: str, **fields: object) -> None:
        self.log(LogCategory.APPLICATION, "event", label, message, **fields)

    def performance(self, label: str, message: str, **fields: object) -> None:
        self.log(LogCategory.PERFORMANCE, "measure", label, message, **fields)

    def performanceDetail(self, label: str, message: str, **fields: object) -> None:
        self.logger.debug(message, category=str(LogCategory.PERFORMANCE), type="measure", label=label, **fields)

    def audit(self, label: str, message: str, **fields: object) -> None:
        self.log(LogCategory.AUDIT, "event", label, message, **fields)

    def warning(self, label: str, message: str, **fields: object) -> None:
        self.log(LogCategory.APPLICATION, "warning", label, message, **fields)

    def error(self, label: str, message: str, error: BaseException | None = None, **fields: object) -> None:
        if error is not None:
            fields |= {"error_type": type(error).__name__, "error_message": str(error), "exc_info": error}
        self.log(LogCategory.ERROR, "exception" if error else "error", label, message, **fields)


class UserLogger:
    def __init__(self, component: str) -> None:
        self.logger = structlog.get_logger(component)

    def action(self, userId: str, label: str, message: str, **fields: object) -> None:
        self.logger.info(message, category=str(LogCategory.USER), type="action", label=label,
                         user_id=userId, **fields)


def getSystemLogger(component: str) -> SystemLogger:
    return SystemLogger(component)


def getUserLogger(component: str) -> UserLogger:
    return UserLogger(component)
