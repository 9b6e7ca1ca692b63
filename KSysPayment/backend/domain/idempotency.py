from __future__ import annotations

import hashlib
import json
import re

IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def isValidIdempotencyKey(value: str | None) -> bool:
    return value is not None and IDEMPOTENCY_KEY_PATTERN.fullmatch(value) is not None


def requestHash(body: dict[str, object]) -> str:
    # Canonical form: sorted keys, compact separators, UTF-8.
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
