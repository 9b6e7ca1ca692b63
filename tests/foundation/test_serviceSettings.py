from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from annotated_types import Le
from pydantic.fields import FieldInfo

from shared.backend.config.settings import GROUPS, ConfigurationError, loadSettings
from shared.backend.security.lockoutPolicy import LockoutRule, registerFailure
from tests.foundation.settingsSupport import PRODUCTION_BRI, clearSettingsEnvironment, refusalMessage


@pytest.fixture
def cleanEnv(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return clearSettingsEnvironment(monkeypatch)


def upperBound(field: FieldInfo) -> float | None:
    bounds = [float(item.le) for item in field.metadata if isinstance(item, Le)]  # type: ignore[arg-type]
    return min(bounds) if bounds else None


# A duration is added to now: AUTH_LOCKOUT_WINDOW_SECONDS=100000000000 was accepted, and then every wrong password
# raised OverflowError (500, the lockout never engaged). Every duration has an upper bound, at most a year.
def test_everyDurationHasAnUpperBound() -> None:
    units = {"_SECONDS": 1, "_MINUTES": 60, "_HOURS": 3600, "_MS": 0.001}
    durations = {str(field.validation_alias): (field, unit) for group in GROUPS.values()
                 for field in group.model_fields.values()
                 for suffix, unit in units.items() if str(field.validation_alias).endswith(suffix)}
    assert "AUTH_SESSION_ABSOLUTE_SECONDS" in durations and "PAYMENT_QRIS_RECHECK_HOURS" in durations
    for variable, (field, unit) in durations.items():
        bound = upperBound(field)
        assert bound is not None, variable
        assert bound * unit <= 365 * 86400, variable


@pytest.mark.parametrize(
    ("variable", "bound"),
    [("AUTH_LOCKOUT_WINDOW_SECONDS", 86400), ("AUTH_LOCKOUT_DURATION_SECONDS", 86400),
     ("AUTH_SESSION_IDLE_SECONDS", 31536000), ("AUTH_SESSION_ABSOLUTE_SECONDS", 31536000),
     ("AUTH_VERIFICATION_TTL_SECONDS", 2592000)],
)
def test_hugeAuthDurationIsRefusedWithItsName(cleanEnv: pytest.MonkeyPatch, variable: str, bound: int) -> None:
    cleanEnv.setenv("AUTH_SESSION_ABSOLUTE_SECONDS", "31536000")  # the idle timeout may not exceed it
    cleanEnv.setenv(variable, str(bound))
    loadSettings()
    cleanEnv.setenv(variable, "100000000000")
    with pytest.raises(ConfigurationError, match=f"{variable}: Input should be less than or equal to {bound}"):
        loadSettings()


# At its longest window and duration the lockout still locks: no overflow left at a wrong password.
def test_longestAuthDurationsStillCompute(cleanEnv: pytest.MonkeyPatch) -> None:
    for variable in ("AUTH_LOCKOUT_WINDOW_SECONDS", "AUTH_LOCKOUT_DURATION_SECONDS"):
        cleanEnv.setenv(variable, "86400")
    cleanEnv.setenv("AUTH_LOCKOUT_THRESHOLD", "1")
    auth = loadSettings().auth
    now = datetime.now(UTC)
    user = SimpleNamespace(failedLoginTimes=[], lockedUntil=None)
    assert registerFailure(user, now, LockoutRule.of(auth))  # type: ignore[arg-type]
    assert user.lockedUntil == now + timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("not an address", "'not an address' is not an email address"),
        ("no-reply@", "is not an email address"),
        ("no-reply@bad_host.example", "is not an email address"),
        ("no reply@example.com", "is not an email address"),
        ("a@b.example, c@d.example", "is not an email address"),
        # The mailers take the Message-ID's domain from the text after "@".
        ("KServices <no-reply@example.com>", "must be a bare address such as no-reply@example.com (no display name)"),
    ],
)
def test_mailFromMustBeAnAddress(cleanEnv: pytest.MonkeyPatch, value: str, fragment: str) -> None:
    cleanEnv.setenv("MAIL_FROM", value)
    message = refusalMessage()
    assert f"MAIL_FROM: Value error, '{value}' " in message
    assert fragment in message
    cleanEnv.setenv("MAIL_FROM", "no-reply+auth@mail.kservices.example")
    assert loadSettings().mail.fromAddress == "no-reply+auth@mail.kservices.example"


def test_smtpBackendNeedsAHostAndAStartTlsPort(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("SMTP_PORT", "465")
    assert loadSettings().mail.smtpPort == 465  # not used by the file backend
    cleanEnv.setenv("MAIL_BACKEND", "smtp")
    cleanEnv.setenv("SMTP_HOST", "smtp.example.com")
    with pytest.raises(ConfigurationError, match=r"SMTP_PORT: 465 is implicit TLS, .* only STARTTLS is supported"):
        loadSettings()
    cleanEnv.setenv("SMTP_PORT", "587")
    cleanEnv.setenv("SMTP_HOST", "")
    with pytest.raises(ConfigurationError, match="SMTP_HOST: must be set when MAIL_BACKEND=smtp"):
        loadSettings()
    # No default relay: one named by nobody would fail every mail, or reach whatever listens there.
    cleanEnv.delenv("SMTP_HOST")
    with pytest.raises(ConfigurationError, match="SMTP_HOST: must be set when MAIL_BACKEND=smtp"):
        loadSettings()
    cleanEnv.setenv("SMTP_HOST", "localhost")
    assert loadSettings().mail.smtpHost == "localhost"


# Without STARTTLS the SMTP password and each mailed link would cross the network in clear; a local relay may skip it.
def test_productionSmtpNeedsStartTlsUnlessTheRelayIsLocal(cleanEnv: pytest.MonkeyPatch) -> None:
    production = {"APP_ENV": "production", "MAIL_BACKEND": "smtp", "PUBLIC_BASE_URL": "https://auth.example.com",
                  "SMTP_HOST": "smtp.example.com", "SMTP_STARTTLS": "false", "MAIL_FROM": "no-reply@example.com",
                  **PRODUCTION_BRI}
    for name, value in production.items():
        cleanEnv.setenv(name, value)
    message = refusalMessage()
    assert message.splitlines()[1:] == [
        "  SMTP_STARTTLS: must be true in production unless SMTP_HOST is a relay on this host (localhost)"]
    for host in ("localhost", "127.0.0.1"):
        cleanEnv.setenv("SMTP_HOST", host)
        assert loadSettings().mail.smtpStartTls is False
    cleanEnv.setenv("APP_ENV", "development")
    cleanEnv.setenv("SMTP_HOST", "smtp.example.com")
    assert loadSettings().mail.smtpStartTls is False


# One without the other was accepted, and every mail then logged in to the relay with an empty user or password.
@pytest.mark.parametrize("given", ["SMTP_USER", "SMTP_PASSWORD"])
def test_smtpUserAndPasswordGoTogether(cleanEnv: pytest.MonkeyPatch, given: str) -> None:
    cleanEnv.setenv("MAIL_BACKEND", "smtp")
    cleanEnv.setenv("SMTP_HOST", "smtp.example.com")
    assert loadSettings().mail.smtpUser == ""  # neither: no login
    cleanEnv.setenv(given, "relay-login")
    message = refusalMessage()
    assert message.splitlines()[1:] == [
        "  SMTP_USER and SMTP_PASSWORD: set both (the relay's login) or neither (no login)"]
    cleanEnv.setenv("SMTP_USER", "mailer")
    cleanEnv.setenv("SMTP_PASSWORD", "relay-password")
    assert loadSettings().mail.smtpUser == "mailer"


# Development's sender, in a .local domain no one owns, started production: its mails were refused or filed as spam.
@pytest.mark.parametrize("sender", [None, "no-reply@kservices.local", "Billing@KServices.local"])
def test_productionRefusesTheDevelopmentSender(cleanEnv: pytest.MonkeyPatch, sender: str | None) -> None:
    production = {"APP_ENV": "production", "MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.com",
                  "PUBLIC_BASE_URL": "https://auth.example.com", **PRODUCTION_BRI}
    for name, value in production.items():
        cleanEnv.setenv(name, value)
    if sender is not None:
        cleanEnv.setenv("MAIL_FROM", sender)
    message = refusalMessage()
    assert message.splitlines()[1:] == [
        f"  MAIL_FROM: {sender or 'no-reply@kservices.local'} is development's sender; set the company's own address"]
    cleanEnv.setenv("MAIL_FROM", "no-reply@mail.kservices.example")
    assert loadSettings().mail.fromAddress == "no-reply@mail.kservices.example"
    cleanEnv.setenv("APP_ENV", "test")
    cleanEnv.delenv("MAIL_FROM")
    assert loadSettings().mail.fromAddress == "no-reply@kservices.local"


def test_idleTimeoutMustNotExceedTheAbsoluteOne(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("AUTH_SESSION_IDLE_SECONDS", "7200")
    cleanEnv.setenv("AUTH_SESSION_ABSOLUTE_SECONDS", "3600")
    with pytest.raises(ConfigurationError, match="AUTH_SESSION_IDLE_SECONDS must not exceed "
                                                 "AUTH_SESSION_ABSOLUTE_SECONDS"):
        loadSettings()
    cleanEnv.setenv("AUTH_SESSION_IDLE_SECONDS", "3600")
    assert loadSettings().auth.sessionIdleSeconds == 3600


@pytest.mark.parametrize("value", ["http://127.0.0.1:8090", "http://localhost:8090/", "https://partner.api.bri.co.id",
                                   "https://gateway.example.com:8443/bri/"])
def test_briBaseUrlTakesAnAbsoluteUrlWithAnOptionalPrefix(cleanEnv: pytest.MonkeyPatch, value: str) -> None:
    cleanEnv.setenv("BRI_BASE_URL", value)
    assert loadSettings().bri.baseUrl == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("bri.example.com", "'bri.example.com' must be an absolute http(s) URL"),
        ("ftp://bri.example.com", "must be an absolute http(s) URL"),
        ("https:/bri.example.com", "must be an absolute http(s) URL"),
        ("https://bri.example.com /snap", "must be an absolute http(s) URL"),
        ("https://bri.example.com/?x=1", "nothing else"),
        ("https://user:pw@bri.example.com", "must not hold a user or password"),
        ("https://bri_host.example.com", "has an invalid host"),
        ("https://bri.example.com:99999", "has an invalid port"),
    ],
)
def test_briBaseUrlIsRefusedWithItsName(cleanEnv: pytest.MonkeyPatch, value: str, fragment: str) -> None:
    cleanEnv.setenv("BRI_BASE_URL", value)
    message = refusalMessage()
    assert "BRI_BASE_URL: Value error, " in message
    assert fragment in message
    assert "pw" not in message


# The defaults and .env.example's values pay through the local simulator over plain http; production names BRI's
# https host and the merchant's own numbers, while development and the test stack keep the simulator's.
def test_productionRefusesTheSimulatorsBriValues(cleanEnv: pytest.MonkeyPatch) -> None:
    production = {"APP_ENV": "production", "MAIL_BACKEND": "smtp", "SMTP_HOST": "smtp.example.com",
                  "MAIL_FROM": "no-reply@example.com", "PUBLIC_BASE_URL": "https://auth.example.com",
                  "BRI_CLIENT_SECRET": "b" * 48}
    for name, value in production.items():
        cleanEnv.setenv(name, value)
    message = refusalMessage()
    assert message.splitlines()[1:] == [
        "  BRI_BASE_URL: must be an https:// address in production",
        "  BRI_BRIVA_NO: must be set to the merchant's own value in production (not empty or the simulator's 77777)",
        "  BRI_QRIS_MERCHANT_ID: must be set to the merchant's own value in production (not empty or the simulator's "
        "000001019000014)",
        "  BRI_QRIS_TERMINAL_ID: must be set to the merchant's own value in production (not empty or the simulator's "
        "10049258)",
    ]
    developmentValues = {"BRI_BASE_URL": "http://127.0.0.1:8090", "BRI_BRIVA_NO": "77777",
                         "BRI_QRIS_MERCHANT_ID": "000001019000014", "BRI_QRIS_TERMINAL_ID": "10049258"}
    for name, value in developmentValues.items():
        cleanEnv.setenv(name, value)
    message = refusalMessage()
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:]] == list(developmentValues)
    for name, value in PRODUCTION_BRI.items():
        cleanEnv.setenv(name, value)
    assert loadSettings().bri.baseUrl == "https://partner.api.bri.co.id"
    for environment in ("development", "test"):
        cleanEnv.setenv("APP_ENV", environment)
        for name, value in developmentValues.items():
            cleanEnv.setenv(name, value)
        assert loadSettings().bri.brivaNo == "77777"
