from __future__ import annotations

from pydantic_core import PydanticUndefined

from shared.backend.config.settings import GROUPS
from tests.foundation.test_envExample import exampleVariables

# .env.example's header names these as written with development's value (the required ones, and those whose default
# is empty or unset); every other line holds the setting's default.
DEVELOPMENT_VALUES = {"APP_ENV", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "CRYPTO_MASTER_KEY", "CORS_ORIGINS",
                      "BRI_CLIENT_ID", "BRI_CLIENT_SECRET", "BRI_PARTNER_ID", "BRI_PRIVATE_KEY_PATH",
                      "BRI_PUBLIC_KEY_PATH", "BRI_QRIS_MERCHANT_ID", "BRI_QRIS_TERMINAL_ID", "BRI_INBOUND_CLIENT_ID"}


def written(value: object) -> str:
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def settingsDefaults() -> dict[str, str]:
    defaults = {}
    for group in GROUPS.values():
        for field in group.model_fields.values():
            if field.default is not PydanticUndefined:
                defaults[str(field.validation_alias)] = written(field.default)
            elif field.default_factory is not None:
                defaults[str(field.validation_alias)] = written(field.default_factory())  # type: ignore[call-arg]
    return defaults


def test_envExampleWritesEachDefault() -> None:
    example = exampleVariables()
    differing = {name: (default, example.get(name)) for name, default in settingsDefaults().items()
                 if name not in DEVELOPMENT_VALUES and example.get(name) != default}
    assert differing == {}


def test_theDevelopmentValuesListedDifferFromTheDefaults() -> None:
    example, defaults = exampleVariables(), settingsDefaults()
    assert {name for name in DEVELOPMENT_VALUES if example[name] == defaults.get(name)} == set()
