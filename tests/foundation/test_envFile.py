from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

from shared.backend.config.settings import GatewaySettings, loadGroup

ROOT = Path(__file__).resolve().parents[2]


def envFile(command: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    script = (f'set -euo pipefail; source "{ROOT}/scripts/lib/common.sh"; '
              f'source "{ROOT}/scripts/lib/envFile.sh"; {command}')
    return subprocess.run(["bash", "-c", script, "envFile", *arguments], capture_output=True, text=True, timeout=30)


def scriptValue(path: Path, key: str) -> str:
    result = envFile('envValue "$1" "$2"', str(path), key)
    assert result.returncode == 0, result.stderr
    return result.stdout.removesuffix("\n")


# What the apps read: pydantic-settings takes python-dotenv's values, keys in any case, the last one winning.
def appValue(path: Path, key: str) -> str:
    values = {name.lower(): value for name, value in dotenv_values(path).items()}
    return values.get(key.lower()) or ""


LINES = [
    "export GATEWAY_TRUSTED_PROXIES=10.0.0.5\n",
    "GATEWAY_TRUSTED_PROXIES = 10.0.0.5\n",
    "  export  GATEWAY_TRUSTED_PROXIES =  10.0.0.5, 10.0.0.6   # the load balancers\n",
    "gateway_trusted_proxies=10.0.0.5\n",
    "GATEWAY_TRUSTED_PROXIES='10.0.0.5 # not a comment'\n",
    'GATEWAY_TRUSTED_PROXIES="10.0.0.5" # a comment\n',
    'GATEWAY_TRUSTED_PROXIES="a \\"quoted\\" \\\\ value\\n"\n',
    "GATEWAY_TRUSTED_PROXIES='it\\'s'\n",
    'GATEWAY_TRUSTED_PROXIES="over\ntwo lines"\n',
    "GATEWAY_TRUSTED_PROXIES=#not-a-comment\n",
    "GATEWAY_TRUSTED_PROXIES= # a comment, so empty\n",
    "GATEWAY_TRUSTED_PROXIES=10.0.0.5\nexport GATEWAY_TRUSTED_PROXIES=10.0.0.6\n",
    "GATEWAY_TRUSTED_PROXIES=10.0.0.5\nGATEWAY_TRUSTED_PROXIES\n",
    # Lines python-dotenv cannot parse are skipped: the value before them stands.
    'GATEWAY_TRUSTED_PROXIES=10.0.0.5\nGATEWAY_TRUSTED_PROXIES="10.0.0.6" junk\n',
    "GATEWAY_TRUSTED_PROXIES='unterminated\nGATEWAY_TRUSTED_PROXIES=10.0.0.7\n",
    "# GATEWAY_TRUSTED_PROXIES=10.0.0.5\nexportGATEWAY_TRUSTED_PROXIES=10.0.0.6\n",
    "\ufeffGATEWAY_TRUSTED_PROXIES=10.0.0.5\r\nOTHER=1\r\n",
]


@pytest.mark.parametrize("text", LINES)
def test_theScriptsReadEachLineAsTheAppsDo(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    assert scriptValue(path, "GATEWAY_TRUSTED_PROXIES") == appValue(path, "GATEWAY_TRUSTED_PROXIES")


# The review's case, through the settings class itself: the gateway trusts the proxy the apps trust.
def test_anExportedTrustedProxyReachesTheGateway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in os.environ if name.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    path = tmp_path / ".env"
    path.write_text("export GATEWAY_TRUSTED_PROXIES=10.0.0.5\nGATEWAY_PORT = 8080  # dev\n")
    settings = loadGroup(GatewaySettings, path)
    assert (settings.trustedProxies, settings.port) == (["10.0.0.5"], 8080)
    assert (scriptValue(path, "GATEWAY_TRUSTED_PROXIES"), scriptValue(path, "GATEWAY_PORT")) == ("10.0.0.5", "8080")


# ${...} is expanded by the apps, not by the scripts: refused, naming the line and the variable, never the value.
def test_aValueTheScriptsCannotReadIsRefused(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("APP_ENV=development\nHOST_PART=s3cret-part\nREDIS_URL=redis://:${HOST_PART}@10.0.0.9:6379/0\n")
    refused = envFile('checkEnvFile "$1"; echo went-on', str(path))
    assert refused.returncode == 1 and "went-on" not in refused.stdout
    assert f"{path} line 3: REDIS_URL uses ${{...}}" in refused.stderr and "s3cret" not in refused.stderr
    path.write_text("APP_ENV=development\nJWT_SECRET=${ANYTHING}\nREDIS_URL=redis://10.0.0.9:6379/0\n")
    assert envFile('checkEnvFile "$1"', str(path)).returncode == 0  # not a variable the scripts read


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://:pa?ss@h:6379/0", "h:6379"),
    ("redis://:pa/ss@h:6379/0", "h:6379"),
    ("redis://:pa#ss@h:6379/0", "h:6379"),
    ("redis://:p@ss@h:6379/0", "h:6379"),
    ("postgresql+asyncpg://kservices:pa?ss/wd@db.internal:5432/kservices?ssl=require", "db.internal:5432"),
    ("postgresql+asyncpg://postgres@127.0.0.1:15432/kservices", "127.0.0.1:15432"),
    ("redis://h:6380?socket_timeout=2", "h:6380"),
    ("http://127.0.0.1:8090", "127.0.0.1:8090"),
])
def test_hostPortNeverShowsAPassword(url: str, expected: str) -> None:
    result = envFile('hostPort "$1"', url)
    assert (result.returncode, result.stdout.strip()) == (0, expected)


# The secrets a new .env gets never pass through a command line (any user can read /proc/<pid>/cmdline).
def test_generatedSecretsNeverAppearInACommandLine(tmp_path: Path) -> None:
    clone, shims, log = tmp_path / "clone", tmp_path / "shims", tmp_path / "commands.log"
    shutil.copytree(ROOT / "scripts", clone / "scripts")
    shutil.copytree(ROOT / "docker", clone / "docker")
    shutil.copy(ROOT / ".env.example", clone / ".env.example")
    shims.mkdir()
    for tool in ("awk", "sed", "head", "base64", "tr", "od", "cat", "env", "cut", "grep"):
        real = shutil.which(tool)
        assert real is not None
        (shims / tool).write_text(f'#!/bin/sh\nprintf "%s\\n" "{tool} $*" >>"{log}"\nexec "{real}" "$@"\n')
        (shims / tool).chmod(0o755)
    written = subprocess.run(["bash", "scripts/run.sh", "env"], cwd=clone, capture_output=True, text=True, timeout=60,
                             env={"PATH": f"{shims}:{os.environ['PATH']}", "HOME": str(tmp_path)})
    assert written.returncode == 0, written.stderr
    values = dotenv_values(clone / ".env")
    secrets = [values[name] for name in ("JWT_SECRET", "CRYPTO_MASTER_KEY", "BRI_CLIENT_SECRET")]
    example = dotenv_values(ROOT / ".env.example")
    assert all(secret and secret != example[name] for secret, name in
               zip(secrets, ("JWT_SECRET", "CRYPTO_MASTER_KEY", "BRI_CLIENT_SECRET"), strict=True))
    commands = log.read_text()
    assert "head -c" in commands  # the shims saw the commands
    assert not [secret for secret in secrets if secret and secret in commands]
