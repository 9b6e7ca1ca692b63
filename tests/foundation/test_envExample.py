from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from shared.backend.config.settings import GROUPS, ConfigurationError, loadSettings

ROOT = Path(__file__).resolve().parents[2]


def exampleVariables() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def settingsVariables() -> set[str]:
    return {
        str(field.validation_alias)
        for group in GROUPS.values()
        for field in group.model_fields.values()
    }


def test_envExampleDocumentsEveryVariableAndNothingElse() -> None:
    assert set(exampleVariables()) == settingsVariables()


def test_envExampleLoadsOnceSecretsAreGenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settingsVariables():
        monkeypatch.delenv(name, raising=False)
    text = (ROOT / ".env.example").read_text()
    text = text.replace("CRYPTO_MASTER_KEY=change-me", "CRYPTO_MASTER_KEY=" + base64.b64encode(b"k" * 32).decode())
    envFile = tmp_path / "env"
    envFile.write_text(text)
    settings = loadSettings(envFile)
    assert settings.gateway.port == 80
    assert settings.bri.baseUrl == "http://127.0.0.1:8090"


# A .env made the documented way (.env.example copied) that switches to smtp without naming the relay is refused in
# every environment, production's included, instead of sending toward localhost.
def test_envExampleSwitchedToSmtpMustNameTheRelay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settingsVariables():
        monkeypatch.delenv(name, raising=False)
    envFile = tmp_path / "env"
    envFile.write_text((ROOT / ".env.example").read_text().replace("CRYPTO_MASTER_KEY=change-me", "CRYPTO_MASTER_KEY="
                       + base64.b64encode(b"k" * 32).decode()).replace("MAIL_BACKEND=file", "MAIL_BACKEND=smtp"))
    with pytest.raises(ConfigurationError, match="SMTP_HOST: must be set when MAIL_BACKEND=smtp"):
        loadSettings(envFile)


# The test stack's env file holds its secrets: scripts/test.sh creates it 0600.
def test_testStackEnvFileIsReadableByItsOwnerOnly() -> None:
    assert Path(os.environ["KSERVICES_ENV_FILE"]).stat().st_mode & 0o077 == 0
