from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.backend.loggingFactory import REDACTED, SECRET_KEY_PATTERN

# Runs after every other suite (scripts/test.sh): the logs then hold everything the suite made the
# servers, the simulator and the gateway write.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
ARGON2 = re.compile(r"\$argon2(id|i|d)\$")
# A refresh token ("<session id hex>.<secret>.<tag>"), a bearer credential, a mailed link's token.
REFRESH_TOKEN = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{40,}")
CREDENTIAL = re.compile(r"Bearer [A-Za-z0-9._~+/-]{8,}|[?&]token=[A-Za-z0-9_-]{8,}")
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
SECRET_SETTINGS = ("JWT_SECRET", "CRYPTO_MASTER_KEY", "BRI_CLIENT_SECRET", "BRI_PREVIOUS_CLIENT_SECRET")


LOG_NAMES = ("public.log", "admin.log", "simulator.log", "gateway/access.log", "gateway/error.log")


def logFiles(runDir: Path) -> list[Path]:
    return [runDir / name for name in LOG_NAMES if (runDir / name).is_file()]


def envSecrets(runDir: Path) -> dict[str, str]:
    pairs = dict(line.split("=", 1) for line in (runDir / "env").read_text().splitlines() if "=" in line)
    return {name: pairs[name] for name in SECRET_SETTINGS if pairs.get(name)}


def unredactedFields(value: object, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if SECRET_KEY_PATTERN.search(str(key)) and item not in (REDACTED, None, "", False, True):
                found.append(f"{path}{key}")
            found.extend(unredactedFields(item, f"{path}{key}."))
    return found


@pytest.fixture(scope="module")
def logs(runDir: Path) -> dict[Path, str]:
    return {path: path.read_text(errors="replace") for path in logFiles(runDir)}


def test_theSuiteProducedLogsToAudit(logs: dict[Path, str], runDir: Path) -> None:
    assert sorted(path.relative_to(runDir).as_posix() for path in logs) == sorted(LOG_NAMES)  # none skipped
    assert sum(text.count("\n") for text in logs.values()) > 50


def test_noConfiguredSecretInAnyLog(logs: dict[Path, str], runDir: Path) -> None:
    for name, secret in envSecrets(runDir).items():
        for path, text in logs.items():
            assert secret not in text, f"{name} appears in {path}"


def test_noTokensOrPasswordHashesInAnyLog(logs: dict[Path, str]) -> None:
    for path, text in logs.items():
        assert not JWT.search(text), f"a JWT appears in {path}"
        assert not ARGON2.search(text), f"an Argon2 hash appears in {path}"


def test_noRefreshTokensOrCredentialsInAnyLog(logs: dict[Path, str]) -> None:
    for path, text in logs.items():
        assert not REFRESH_TOKEN.search(text), f"a refresh token appears in {path}"
        found = CREDENTIAL.search(text)
        assert not found, f"{found.group()[:24]}... appears in {path}"


def stringValues(value: object, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [pair for name, item in value.items() for pair in stringValues(item, str(name))]
    if isinstance(value, list):
        return [pair for item in value for pair in stringValues(item, key)]
    return [(key, value)] if isinstance(value, str) else []


# The servers log user ids, never addresses (an exception's text included: CLAUDE.md, Logging). A path is what
# the client sent (the fuzzers send anything), so it is left out.
def test_noEmailAddressInAnyJsonLog(logs: dict[Path, str]) -> None:
    for path, text in logs.items():
        for line in text.split("\n"):
            if not line.startswith("{"):
                continue
            found = [value for key, value in stringValues(json.loads(line)) if key != "path" and EMAIL.search(value)]
            assert not found, f"an email address in {path}: {line[:200]}"


def test_secretNamedFieldsAreRedacted(logs: dict[Path, str]) -> None:
    for path, text in logs.items():
        # Only newline separates records: fuzzed paths put U+2028 and U+0085 inside JSON strings.
        for line in text.split("\n"):
            if not line.startswith("{"):
                continue
            fields = unredactedFields(json.loads(line))
            allowed = {"type", "label", "category", "message"}
            leaked = [field for field in fields if field.split(".")[-1] not in allowed]
            assert not leaked, f"unredacted {leaked} in {path}: {line[:200]}"
