from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from dotenv import dotenv_values

# How alike a name must be to a setting's to be taken for a typo of it: one character off in JWT_PREVIOUS_SECRETS
# (0.97) or LOG_LEVEL (0.94) is.
CLOSE = 0.9


# A name in the env file one typo away from a setting's (JWT_PREVIOUS_SECRET) would be ignored without a word and
# leave that setting at its default. Only names of a setting's prefix are compared (SIM_PRIVATE_KEY_PATH, the
# simulator's, is no typo of BRI_PRIVATE_KEY_PATH); others (TEST_*, COMPOSE_*) are the file's own. The process
# environment is not read here, since anything may be exported there.
def refuseMisspelled(path: Path | None, settingNames: Iterable[str]) -> list[str]:
    if path is None or not path.is_file():
        return []
    known = set(settingNames)
    problems = []
    for name in dotenv_values(path):
        if name.upper() in known:
            continue
        prefix = name.upper().split("_", 1)[0] + "_"
        sameGroup = [setting for setting in known if setting.startswith(prefix)]
        close = difflib.get_close_matches(name.upper(), sameGroup, n=1, cutoff=CLOSE)
        if close:
            problems.append(f"{name} (in {path}): is not a setting; did you mean {close[0]}?")
    return problems
