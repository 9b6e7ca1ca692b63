from __future__ import annotations

import base64
from pathlib import Path

import pytest

from shared.backend.config.settings import GROUPS, ConfigurationError, loadSettings

VALID = {
    "APP_ENV": "development",
    "DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/app",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "JWT_SECRET": "s" * 40,
    "CRYPTO_MASTER_KEY": base64.b64encode(bytes(range(32))).decode(),
}
# What production needs besides VALID: real secrets and the merchant's own BRI values.
PRODUCTION_BRI = {"BRI_CLIENT_SECRET": "b" * 48, "BRI_BASE_URL": "https://partner.api.bri.co.id",
                  "BRI_BRIVA_NO": "12345", "BRI_QRIS_MERCHANT_ID": "000002020000021", "BRI_QRIS_TERMINAL_ID": "20021"}


# No env file and no settings variable but VALID's, whatever the calling shell exports.
def clearSettingsEnvironment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("KSERVICES_ENV_FILE", "")
    variables = {str(field.validation_alias) for group in GROUPS.values() for field in group.model_fields.values()}
    for name in [*variables, "DATABASE_READ_POOL_SIZE"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in VALID.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


# What loadSettings refuses the environment (and the env file, when given) with.
def refusalMessage(envFile: Path | None = None) -> str:
    with pytest.raises(ConfigurationError) as error:
        loadSettings(envFile) if envFile is not None else loadSettings()
    return str(error.value)
