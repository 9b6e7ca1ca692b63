from __future__ import annotations

import uuid

import uuid_utils


def generateId() -> uuid.UUID:
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def parseId(value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(value)


def isValidId(value: object) -> bool:
    if isinstance(value, uuid.UUID):
        return True
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
