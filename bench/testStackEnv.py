from __future__ import annotations

import os
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]


# Points the settings at the running test stack's env file (unless KSERVICES_ENV_FILE names another) and
# stops with one line when it is missing, instead of a list of unset variables.
def useTestStackEnv() -> Path:
    envFile = Path(os.environ.setdefault("KSERVICES_ENV_FILE", str(ROOT_DIR / ".run/test/env")))
    if not envFile.is_file():
        raise SystemExit(f"{envFile} is missing: start the test stack first (bash scripts/test.sh up)")
    return envFile
