from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.backend.config.settings import Settings
from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]


def serverEnvironment(settings: Settings, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "REDIS_"))}
    env |= {
        "KSERVICES_ENV_FILE": "",
        "DATABASE_URL": settings.database.url.get_secret_value(),
        "REDIS_URL": settings.redis.url.get_secret_value(),
        "JWT_SECRET": settings.jwt.secret.get_secret_value(),
        "CRYPTO_MASTER_KEY": settings.crypto.masterKey.get_secret_value(),
        "APP_ENV": "test",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value != "<unset>"}


def runServer(module: str, env: dict[str, str]) -> tuple[int, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1", "--port", str(freePort())],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


@pytest.mark.parametrize("module", ["public_server", "admin_server"])
def test_unreachablePostgresStopsStartup(settings: Settings, module: str) -> None:
    closedPort = freePort()
    env = serverEnvironment(settings, DATABASE_URL=f"postgresql+asyncpg://postgres@127.0.0.1:{closedPort}/x")
    code, output, elapsed = runServer(module, env)
    assert code != 0
    assert f"PostgreSQL unreachable at postgresql+asyncpg://postgres@127.0.0.1:{closedPort}/x" in output
    assert elapsed < 20
    assert noTraceback(output)


# The failure's one line (logged, then uvicorn's) without the driver's ~100-line traceback (printed twice
# before) or uvicorn's rendering of the nested lifespans.
def noTraceback(output: str) -> bool:
    return "Traceback" not in output and len(output.splitlines()) < 12


# A URL option only SQLAlchemy's dialect knows reaches asyncpg's own pool as a server setting, which
# PostgreSQL refuses: startup says so instead of the first login failing.
def test_databaseUrlTheDriverPoolRefusesStopsStartup(settings: Settings) -> None:
    url = settings.database.url.get_secret_value() + "?prepared_statement_cache_size=0"
    code, output, _ = runServer("public_server", serverEnvironment(settings, DATABASE_URL=url))
    assert code != 0
    assert "refused the connection: UndefinedObjectError: " in output
    assert 'unrecognized configuration parameter "prepared_statement_cache_size"' in output


# A server that answers but refuses is not called unreachable, and its reason is shown: uvicorn's line was
# SQLAlchemy's "(Background on this error at: ...)" footer alone.
@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (("kservices_test", "kservices_missing"),
         'PostgreSQL at {url} refused the connection: InvalidCatalogNameError: database "kservices_missing" does not '
         "exist"),
        (("postgres@", "nosuchrole@"),
         'PostgreSQL at {url} refused the connection: InvalidAuthorizationSpecificationError: role "nosuchrole" does '
         "not exist"),
        (("kservices_test", "kservices_test?ssl=bogus"),
         "cannot connect to PostgreSQL at {url}: ClientConfigurationError: `sslmode` parameter must be one of"),
    ],
    ids=["missing-database", "missing-role", "bad-ssl-mode"],
)
def test_aRefusedDatabaseConnectionIsNamedWithItsReason(
    settings: Settings, replace: tuple[str, str], expected: str
) -> None:
    url = settings.database.url.get_secret_value().replace(*replace)
    code, output, _ = runServer("public_server", serverEnvironment(settings, DATABASE_URL=url))
    assert code != 0
    assert f"StartupError: KServices public API cannot start: {expected.format(url=url)}" in output, output
    assert "Background on this error" not in output
    assert noTraceback(output), output


def test_unreachableRedisStopsStartup(settings: Settings) -> None:
    closedPort = freePort()
    code, output, _ = runServer("public_server", serverEnvironment(settings, REDIS_URL=f"redis://127.0.0.1:{closedPort}"))
    assert code != 0
    assert f"Redis unreachable at 127.0.0.1:{closedPort}" in output
    assert noTraceback(output)


def test_aRefusingRedisIsNamedWithItsReason(settings: Settings) -> None:
    url = settings.redis.url.get_secret_value().rsplit("/", 1)[0] + "/99999"
    code, output, _ = runServer("public_server", serverEnvironment(settings, REDIS_URL=url))
    assert code != 0
    assert "refused the connection: ResponseError: DB index is out of range" in output, output
    assert noTraceback(output), output


def test_missingConfigurationNamesTheVariable(settings: Settings) -> None:
    code, output, _ = runServer("admin_server", serverEnvironment(settings, JWT_SECRET="<unset>"))
    assert code == 2
    assert "JWT_SECRET: is required but not set" in output
    assert "Traceback" not in output


# A BRI key the public server cannot load is named by its variable, in one line.
@pytest.mark.parametrize(("variable", "kind"), [("BRI_PRIVATE_KEY_PATH", "private"), ("BRI_PUBLIC_KEY_PATH", "public")])
def test_unloadableBriKeyNamesItsVariable(settings: Settings, variable: str, kind: str) -> None:
    bri = settings.bri
    keys = {"BRI_CLIENT_ID": bri.clientId, "BRI_PARTNER_ID": bri.partnerId,
            "BRI_INBOUND_CLIENT_ID": bri.inboundClientId, "BRI_CLIENT_SECRET": bri.clientSecret.get_secret_value(),
            "BRI_PRIVATE_KEY_PATH": str(bri.privateKeyPath),
            variable: "/nonexistent/key.pem"}
    code, output, _ = runServer("public_server", serverEnvironment(settings, **keys))
    assert code != 0
    assert (f"KServices public API cannot start: BRI is not configured: {variable}: cannot load {kind} key "
            "/nonexistent/key.pem") in output, output
    assert noTraceback(output), output
