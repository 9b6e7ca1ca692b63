from __future__ import annotations

from pathlib import Path

import pytest

from shared.backend.config.settings import ConfigurationError, loadSettings
from tests.foundation.settingsSupport import PRODUCTION_BRI, clearSettingsEnvironment, refusalMessage


@pytest.fixture
def cleanEnv(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return clearSettingsEnvironment(monkeypatch)


def refusal(cleanEnv: pytest.MonkeyPatch, variable: str, value: str) -> str:
    cleanEnv.setenv(variable, value)
    return refusalMessage()


# An empty audience started the servers, then every token they issued was refused (PyJWT requires a non-empty aud
# when one is expected): every signed-in request answered 401.
@pytest.mark.parametrize("variable", ["JWT_USER_AUDIENCE", "JWT_ADMIN_AUDIENCE", "JWT_ISSUER", "AUTH_MFA_ISSUER"])
def test_emptyNamesAreRefused(cleanEnv: pytest.MonkeyPatch, variable: str) -> None:
    assert f"{variable}: String should have at least 1 character" in refusal(cleanEnv, variable, "")


# The mailed links and the refresh cookie's Secure flag are built from it: a value that is not an absolute URL made
# links nobody could open, and was accepted outside production.
@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "must be an absolute http(s) URL"),
        ("localhost", "must be an absolute http(s) URL"),
        ("https://", "must be an absolute http(s) URL"),
        ("ftp://example.com", "must be an absolute http(s) URL"),
        ("https://auth.example.com?x=1", "nothing else"),
        ("https://auth.example.com:99999", "has an invalid port"),
        ("https://user:pw@auth.example.com", "must not hold a user or password"),
    ],
)
def test_publicBaseUrlMustBeAnAbsoluteUrl(cleanEnv: pytest.MonkeyPatch, value: str, fragment: str) -> None:
    message = refusal(cleanEnv, "PUBLIC_BASE_URL", value)
    assert "PUBLIC_BASE_URL" in message and fragment in message
    assert "pw@" not in message


@pytest.mark.parametrize("value", ["http://localhost", "http://localhost:8080/", "https://auth.example.com/kservices"])
def test_publicBaseUrlAcceptsHttpOrigins(cleanEnv: pytest.MonkeyPatch, value: str) -> None:
    cleanEnv.setenv("PUBLIC_BASE_URL", value)
    assert loadSettings().gateway.publicBaseUrl == value


# `BRI_PRIVATE_KEY_PATH=` read as the current directory: the public server then failed on "cannot load private
# key ." instead of naming the unset variable.
@pytest.mark.parametrize(("variable", "field"), [("BRI_PRIVATE_KEY_PATH", "privateKeyPath"),
                                                 ("BRI_PUBLIC_KEY_PATH", "briPublicKeyPath")])
def test_emptyBriKeyPathIsUnset(cleanEnv: pytest.MonkeyPatch, variable: str, field: str) -> None:
    cleanEnv.setenv(variable, "")
    assert getattr(loadSettings().bri, field) is None
    cleanEnv.setenv(variable, "/etc/kservices/key.pem")
    assert getattr(loadSettings().bri, field) == Path("/etc/kservices/key.pem")


# `MAIL_OUTBOX_DIR=` read as the current directory: every mail, with its link's token, went into the checkout.
def test_emptyOutboxDirIsRefused(cleanEnv: pytest.MonkeyPatch) -> None:
    assert "MAIL_OUTBOX_DIR: Value error, must not be empty" in refusal(cleanEnv, "MAIL_OUTBOX_DIR", "")


# Amounts past 2**53 - 1 reach the frontends' JavaScript numbers rounded (and past 2**63 - 1 no longer fit the
# BIGINT column): a bound the create accepted would fail after the payment was asked of BRI.
@pytest.mark.parametrize("variable", ["PAYMENT_MIN_AMOUNT", "PAYMENT_MAX_AMOUNT"])
def test_paymentAmountsHaveAnUpperBound(cleanEnv: pytest.MonkeyPatch, variable: str) -> None:
    cleanEnv.setenv("PAYMENT_MIN_AMOUNT", "1")
    message = refusal(cleanEnv, variable, str(2**53))
    assert f"{variable}: Input should be less than or equal to {2**53 - 1}" in message


# A KSERVICES_ENV_FILE that names no file left every setting it held at its default (or missing) without a word on
# the file itself.
def test_aNamedEnvFileThatDoesNotExistIsRefused(cleanEnv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    missing = tmp_path / "kservices.env"
    cleanEnv.setenv("KSERVICES_ENV_FILE", str(missing))
    with pytest.raises(ConfigurationError, match=f"KSERVICES_ENV_FILE: {missing} does not exist"):
        loadSettings()
    missing.write_text("LOG_LEVEL=DEBUG\n")
    assert loadSettings().app.logLevel == "DEBUG"
    cleanEnv.delenv("KSERVICES_ENV_FILE")
    cleanEnv.chdir(tmp_path / "..")
    assert loadSettings().app.logLevel == "INFO"  # the default .env may be absent


# .env.example's credentials for the simulator started production, whose first payment then failed at BRI (and
# whose notifications BRI, presenting its own client id, could never deliver).
@pytest.mark.parametrize(("variable", "value"), [("BRI_CLIENT_ID", "kservices-dev-client"),
                                                 ("BRI_PARTNER_ID", "kservices-dev"),
                                                 ("BRI_INBOUND_CLIENT_ID", "bri-dev-inbound")])
def test_productionRefusesTheSimulatorsCredentials(cleanEnv: pytest.MonkeyPatch, variable: str, value: str) -> None:
    production = {"APP_ENV": "production", "MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.com",
                  "MAIL_FROM": "no-reply@example.com", "PUBLIC_BASE_URL": "https://auth.example.com", **PRODUCTION_BRI}
    for name, setting in production.items():
        cleanEnv.setenv(name, setting)
    assert loadSettings().app.isProduction
    message = refusal(cleanEnv, variable, value)
    assert f"{variable}: must be set to the merchant's own value in production" in message
    cleanEnv.setenv("APP_ENV", "test")
    assert loadSettings().app.env == "test"
