from __future__ import annotations

import pytest

from shared.backend.config.settings import loadSettings
from tests.foundation.settingsSupport import clearSettingsEnvironment, refusalMessage

ENCODE = "percent-encode '@', '/', '?', '#' and '%' in the user name and password"
PORT = "the port must be a number from 1 to 65535"


@pytest.fixture
def cleanEnv(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return clearSettingsEnvironment(monkeypatch)


# Each is refused naming its variable and the problem, and no part of the password ("Secr3t...") is echoed: an
# unencoded '@', '/' or '#' cut it anywhere, so a driver's message or a masked URL would have shown a piece of it.
@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Xy7@Secr3tTail@127.0.0.1:25432/db", ENCODE),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Xy7/Secr3tTail@127.0.0.1:25432/db", ENCODE),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Xy7#Secr3tTail@127.0.0.1:25432/db", ENCODE),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t[@127.0.0.1:25432/db", ENCODE),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:abc/db", PORT),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:/db", PORT),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:0/db", PORT),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:65536/db", PORT),
        ("DATABASE_URL", "postgresql+asyncpg://", "names no host"),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@:5432/db", "names no host"),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:5432", "names no database"),
        ("DATABASE_URL", "postgresql+asyncpg://kservices:Secr3t@127.0.0.1:5432/", "names no database"),
        ("REDIS_URL", "redis://:Xy7@Secr3tTail@127.0.0.1:6379/0", ENCODE),
        ("REDIS_URL", "redis://:Secr3t@127.0.0.1:abc/0", PORT),
        ("REDIS_URL", "redis://:Secr3t@127.0.0.1:99999/0", PORT),
        ("REDIS_URL", "redis://", "names no host"),
        ("REDIS_URL", "redis://:Secr3t@/0", "names no host"),
        ("REDIS_URL", "unix://", "names no socket"),
        # The gateway reads the same Redis and its Lua client has no TLS (docs/gateway.md, scripts/run.sh).
        ("REDIS_URL", "rediss://:Secr3t@127.0.0.1:6380/0", "rediss:// is not supported"),
    ],
)
def test_aServerUrlThatCannotBeReadOneWayIsRefused(
    cleanEnv: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    cleanEnv.setenv(variable, value)
    message = refusalMessage()
    assert f"{variable}: " in message and fragment in message, message
    assert "Secr3t" not in message and "Xy7" not in message and "abc" not in message


# Percent-encoded credentials, IPv6, an empty password, and asyncpg's Unix socket form (?host=<directory>, as
# docs/benchmarks.md tried it).
@pytest.mark.parametrize("value", [
    "postgresql+asyncpg://kservices:Xy7%40Secr3t%2F%23@127.0.0.1:25432/db",
    "postgresql+asyncpg://kservices:a:b@db.example.com/kservices?ssl=require",
    "postgresql+asyncpg://postgres@[::1]:5432/app",
    "postgresql+asyncpg://postgres:@127.0.0.1/app",
    "postgresql+asyncpg://postgres@/app?host=/run/postgresql",
    "postgresql+asyncpg://unused/kservices_test",
])
def test_databaseUrlsReadOneWayAreAccepted(cleanEnv: pytest.MonkeyPatch, value: str) -> None:
    cleanEnv.setenv("DATABASE_URL", value)
    assert loadSettings().database.url.get_secret_value() == value
