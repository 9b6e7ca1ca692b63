from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# The first 10,000 entries of Django's common-passwords list (see docs/decisions.md), lowercased.
DATA_FILE = Path(__file__).resolve().parent / "data" / "commonPasswords.txt"


@lru_cache(maxsize=1)
def commonPasswords() -> frozenset[str]:
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())
