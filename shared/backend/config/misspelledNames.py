from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path

from dotenv import dotenv_values

# How alike a name must be to a setting's to be taken for a typo of it: one character off in JWT_PREVIOUS_SECRETS
# (0.97) or LOG_LEVEL (0.94) is.
CLOSE = 0.9


# The setting NAME is one typo away from, when it is not a setting itself. Only names of a setting's prefix are
# compared (SIM_PRIVATE_KEY_PATH, the simulator's, is no typo of BRI_PRIVATE_KEY_PATH); others (TEST_*, COMPOSE_*,
# PATH, POSTGRES_*) are someone else's.
def closeSetting(name: str, known: set[str]) -> str | None:
    if name.upper() in known:
        return None
    prefix = name.upper().split("_", 1)[0] + "_"
    sameGroup = [setting for setting in known if setting.startswith(prefix)]
    close = difflib.get_close_matches(name.upper(), sameGroup, n=1, cutoff=CLOSE)
    return close[0] if close else None


# A name one typo away from a setting's (JWT_PREVIOUS_SECRET) would be ignored without a word and leave that setting
# at its default: in the env file, and in the environment, where compose's env_file puts .env's lines (the
# containers have no .env file). A name in both is named once, as the file's.
def refuseMisspelled(path: Path | None, settingNames: Iterable[str], environment: Mapping[str, str]) -> list[str]:
    known = set(settingNames)
    inFile = list(dotenv_values(path)) if path is not None and path.is_file() else []
    problems = [f"{name} (in {path}): is not a setting; did you mean {close}?"
                for name in inFile if (close := closeSetting(name, known))]
    fileNames = {name.upper() for name in inFile}
    problems.extend(f"{name} (in the environment): is not a setting; did you mean {close}?"
                    for name in sorted(environment) if name.upper() not in fileNames
                    and (close := closeSetting(name, known)))
    return problems
