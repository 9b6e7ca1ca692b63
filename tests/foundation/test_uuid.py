from __future__ import annotations

import uuid

import pytest

from shared.backend.utils.uuid import generateId, isValidId, parseId


def test_idsAreVersion7AndSortInCreationOrder() -> None:
    ids = [generateId() for _ in range(5000)]
    assert all(value.version == 7 for value in ids)
    assert ids == sorted(ids)
    assert sorted(value.hex for value in ids) == [value.hex for value in ids]
    assert len(set(ids)) == len(ids)


def test_parseAndValidate() -> None:
    value = generateId()
    assert parseId(str(value)) == value
    assert parseId(value) is value
    assert isValidId(str(value))
    assert isValidId(value)
    assert not isValidId("not-a-uuid")
    assert not isValidId(42)
    with pytest.raises(ValueError):
        parseId("nope")
    assert isinstance(parseId(value.hex), uuid.UUID)
