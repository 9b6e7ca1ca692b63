from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import yaml

from shared.backend.config.settings import ConfigurationError, loadSettings, settingNames
from tests.foundation.settingsSupport import PRODUCTION_BRI, VALID, clearSettingsEnvironment, refusalMessage

OLD_KEY = base64.b64encode(b"o" * 32).decode()
ROOT = Path(__file__).resolve().parents[2]
# Set by python:3.12-slim-bookworm, docker/app.Dockerfile and Docker itself in the app containers.
IMAGE_VARIABLES = {"PATH", "HOME", "HOSTNAME", "LANG", "GPG_KEY", "PYTHON_VERSION", "PYTHON_SHA256",
                   "UV_PROJECT_ENVIRONMENT", "PYTHONDONTWRITEBYTECODE"}


@pytest.fixture
def cleanEnv(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return clearSettingsEnvironment(monkeypatch)


def test_validEnvironmentLoadsEveryGroup(cleanEnv: pytest.MonkeyPatch) -> None:
    settings = loadSettings()
    assert settings.database.url.get_secret_value() == VALID["DATABASE_URL"]
    assert settings.crypto.masterKeyBytes() == bytes(range(32))
    assert settings.app.env == "development"


# The security defaults issue 5 names: 15-min access tokens, 5 failures in 15 min lock for 15 min, 7-day idle
# and 30-day absolute sessions, 24-h verification and 1-h reset links, Argon2id at OWASP's minimum.
def test_authSecurityDefaults(cleanEnv: pytest.MonkeyPatch) -> None:
    settings = loadSettings()
    auth = settings.auth
    assert settings.jwt.accessTtlSeconds == 900
    assert (auth.lockoutThreshold, auth.lockoutWindowSeconds, auth.lockoutDurationSeconds) == (5, 900, 900)
    assert (auth.sessionIdleSeconds, auth.sessionAbsoluteSeconds) == (7 * 86400, 30 * 86400)
    assert (auth.verificationTtlSeconds, auth.resetTtlSeconds) == (86400, 3600)
    assert (auth.argon2MemoryKib, auth.argon2TimeCost, auth.argon2Parallelism) == (19456, 2, 1)


@pytest.mark.parametrize("variable", list(VALID))
def test_missingRequiredVariableIsNamed(cleanEnv: pytest.MonkeyPatch, variable: str) -> None:
    cleanEnv.delenv(variable)
    message = refusalMessage()
    assert f"{variable}: is required but not set" in message


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("DATABASE_URL", "mysql://x@h/db", "postgresql+asyncpg://"),
        ("DATABASE_URL", "postgresql+asyncpg://x@h/db?sslmode=require", "?ssl=<mode>"),
        ("REDIS_URL", "http://h", "redis://"),
        # redis-py would take database 0, or db=3, where the gateway refuses the URL (scripts/lib/gateway.sh).
        ("REDIS_URL", "redis://h:6379/x", "the database must be a number"),
        ("REDIS_URL", "redis://h:6379/1/2", "the database must be a number"),
        ("REDIS_URL", "redis://h:6379?db=3", "not as db="),
        ("REDIS_URL", "redis://:secret@h:6379/0?db=3", "not as db="),
        ("JWT_SECRET", "short", "at least 32 characters"),
        ("CRYPTO_MASTER_KEY", "not base64!", "must be base64"),
        ("CRYPTO_MASTER_KEY", base64.b64encode(b"x" * 16).decode(), "at least 32 bytes"),
        ("CRYPTO_PREVIOUS_MASTER_KEYS", "not base64!", "key 1 must be base64"),
        ("CRYPTO_PREVIOUS_MASTER_KEYS", OLD_KEY + "," + base64.b64encode(b"x" * 16).decode(),
         "key 2 must decode to at least 32 bytes"),
        ("CRYPTO_PREVIOUS_MASTER_KEYS", f"{OLD_KEY}, {OLD_KEY}", "lists the same key twice"),
        ("CRYPTO_PREVIOUS_MASTER_KEYS", VALID["CRYPTO_MASTER_KEY"], "lists CRYPTO_MASTER_KEY itself"),
        ("JWT_PREVIOUS_SECRETS", "o" * 40 + ",short", "secret 2 must be at least 32 characters"),
        ("JWT_PREVIOUS_SECRETS", "o" * 40 + "," + "o" * 40, "lists the same secret twice"),
        ("JWT_PREVIOUS_SECRETS", VALID["JWT_SECRET"], "lists JWT_SECRET itself"),
        ("JWT_PREVIOUS_SECRETS", ",".join(str(n) * 40 for n in range(5)), "at most 4 items"),
        ("JWT_USER_AUDIENCE", "ksysadmin", "JWT_USER_AUDIENCE and JWT_ADMIN_AUDIENCE must differ"),
        ("CORS_ORIGINS", "*", "'*' must be an explicit http(s) origin"),
        ("CORS_ORIGINS", "app.example.com", "'app.example.com' must be an explicit http(s) origin"),
        ("CORS_ORIGINS", "https://App.Example.com/", "'https://App.Example.com/' must be an origin only"),
        ("GATEWAY_PORT", "99999", "GATEWAY_PORT"),
        ("GATEWAY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8", "'10.0.0.0/8' is not an IP address"),
        ("GATEWAY_TRUSTED_PROXIES", "proxy.local", "'proxy.local' is not an IP address"),
        ("GATEWAY_TRUSTED_PROXIES", "1.2.3.4:80", "'1.2.3.4:80' is not an IP address"),
        ("GATEWAY_TRUSTED_PROXIES", "fe80::1%eth0", "'fe80::1%eth0' is not an IP address"),
        ("APP_ENV", "staging", "APP_ENV"),
        ("PAYMENT_MIN_AMOUNT", "900000000", "PAYMENT_MIN_AMOUNT must not exceed"),
    ],
)
def test_invalidValueIsRefusedWithItsName(
    cleanEnv: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    cleanEnv.setenv(variable, value)
    message = refusalMessage()
    assert fragment in message
    assert variable.split("_")[0] in message


def test_previousMasterKeysAreReadInOrderAndNeverEchoed(cleanEnv: pytest.MonkeyPatch) -> None:
    assert loadSettings().crypto.previousMasterKeyBytes() == []
    other = base64.b64encode(b"p" * 40).decode()
    cleanEnv.setenv("CRYPTO_PREVIOUS_MASTER_KEYS", f" {OLD_KEY} ,{other}")
    assert loadSettings().crypto.previousMasterKeyBytes() == [b"o" * 32, b"p" * 40]
    short = base64.b64encode(b"secret-but-short").decode()
    cleanEnv.setenv("CRYPTO_PREVIOUS_MASTER_KEYS", f"{OLD_KEY},{short}")
    message = refusalMessage()
    assert "key 2" in message
    assert short not in message and OLD_KEY not in message


def test_previousJwtSecretsAreReadInOrderAndNeverEchoed(cleanEnv: pytest.MonkeyPatch) -> None:
    assert loadSettings().jwt.previousSecretValues() == []
    cleanEnv.setenv("JWT_PREVIOUS_SECRETS", f" {'o' * 40} ,{'p' * 32}")
    assert loadSettings().jwt.previousSecretValues() == ["o" * 40, "p" * 32]
    cleanEnv.setenv("JWT_PREVIOUS_SECRETS", f"{'o' * 40},secret-but-short")
    message = refusalMessage()
    assert "secret 2" in message
    assert "secret-but-short" not in message and "o" * 40 not in message


def test_everyProblemIsReportedAtOnce(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.delenv("DATABASE_URL")
    cleanEnv.setenv("JWT_SECRET", "short")
    message = refusalMessage()
    assert "DATABASE_URL" in message
    assert "JWT_SECRET" in message


def test_renamedVariableIsRefusedNamingItsNewName(cleanEnv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cleanEnv.setenv("DATABASE_READ_POOL_SIZE", "5")
    renamed = "DATABASE_READ_POOL_SIZE: was renamed to DATABASE_AUTOCOMMIT_POOL_SIZE"
    with pytest.raises(ConfigurationError, match=renamed):
        loadSettings()
    cleanEnv.delenv("DATABASE_READ_POOL_SIZE")
    envFile = tmp_path / ".env"
    envFile.write_text("DATABASE_READ_POOL_SIZE=5\n")
    with pytest.raises(ConfigurationError, match="DATABASE_READ_POOL_SIZE: was renamed"):
        loadSettings(envFile)
    envFile.write_text("DATABASE_AUTOCOMMIT_POOL_SIZE=5\n")
    assert loadSettings(envFile).database.autocommitPoolSize == 5


# A rotation's variable one letter off would leave the old secret unlisted without a word; the simulator's SIM_*
# and the scripts' own names in the same file are not settings, and are left alone.
def test_aMisspelledSettingInTheEnvFileIsNamed(cleanEnv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    envFile = tmp_path / ".env"
    envFile.write_text(f"JWT_PREVIOUS_SECRET={'p' * 40}\nexport crypto_previous_master_key={OLD_KEY}\n")
    message = refusalMessage(envFile)
    assert "JWT_PREVIOUS_SECRET (in " in message and "did you mean JWT_PREVIOUS_SECRETS?" in message
    assert "did you mean CRYPTO_PREVIOUS_MASTER_KEYS?" in message
    assert OLD_KEY not in message and "p" * 40 not in message
    envFile.write_text("SIM_PRIVATE_KEY_PATH=/keys/bri.pem\nTEST_REDIS_PORT=26379\nCOMPOSE_CORS_ORIGINS=https://a.example\n"
                       f"JWT_PREVIOUS_SECRETS={'p' * 40}\n")
    assert loadSettings(envFile).jwt.previousSecretValues() == ["p" * 40]


# Compose's env_file turns .env into environment variables and the containers have no .env file: the same typo
# there is named too. The names compose itself sets (POSTGRES_*, SIM_*, the gateway's, COMPOSE_* it reads) and
# the base images' are no settings' typos, and pass.
def test_aMisspelledSettingInTheEnvironmentIsNamed(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("JWT_PREVIOUS_SECRET", "p" * 40)
    cleanEnv.setenv("crypto_previous_master_key", OLD_KEY)
    message = refusalMessage()
    assert "JWT_PREVIOUS_SECRET (in the environment): is not a setting; did you mean JWT_PREVIOUS_SECRETS?" \
        in message
    assert "crypto_previous_master_key (in the environment)" in message
    assert OLD_KEY not in message and "p" * 40 not in message
    cleanEnv.delenv("JWT_PREVIOUS_SECRET")
    cleanEnv.delenv("crypto_previous_master_key")
    compose = (ROOT / "docker-compose.yml").read_text()
    services = yaml.safe_load(compose)["services"]
    names = {name for spec in services.values() for name in spec.get("environment", {})}
    names |= set(re.findall(r"\$\{([A-Z_]+)", compose)) | IMAGE_VARIABLES
    for name in names - set(settingNames()):
        cleanEnv.setenv(name, "x")
    loadSettings()


def test_anUnreadableEnvFileIsNamed(cleanEnv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    envFile = tmp_path / ".env"
    envFile.write_bytes(b"JWT_SECRET=\xff\xfe-latin-1-bytes\n")
    with pytest.raises(ConfigurationError, match=r"\.env: cannot be read \(not UTF-8 text\)"):
        loadSettings(envFile)
    with pytest.raises(ConfigurationError, match="cannot be read"):
        loadSettings(tmp_path)  # a directory where the file should be


def test_placeholderSecretsRefusedOutsideDevelopment(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("JWT_SECRET", "change-me-change-me-change-me-change-me")
    assert loadSettings().jwt.secret.get_secret_value().startswith("change-me")
    cleanEnv.setenv("APP_ENV", "production")
    with pytest.raises(ConfigurationError, match="JWT_SECRET: is a placeholder"):
        loadSettings()
    # A retired placeholder would keep tokens signed with a published secret valid.
    cleanEnv.setenv("JWT_SECRET", "r" * 40)
    cleanEnv.setenv("JWT_PREVIOUS_SECRETS", "s" * 40 + ",change-me-change-me-change-me-change-me")
    with pytest.raises(ConfigurationError, match="JWT_PREVIOUS_SECRETS: secret 2: is a placeholder"):
        loadSettings()


def test_productionRefusesDevelopmentConveniences(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("APP_ENV", "production")
    cleanEnv.setenv("BRI_CLIENT_SECRET", "change-me")
    message = refusalMessage()
    assert "BRI_CLIENT_SECRET: is a placeholder" in message
    assert "MAIL_BACKEND: file is for development and tests" in message
    # The default http://localhost would send the refresh cookie without Secure and mail http links.
    assert "PUBLIC_BASE_URL: must be an https:// address in production" in message
    for name, value in PRODUCTION_BRI.items():
        cleanEnv.setenv(name, value)
    cleanEnv.setenv("MAIL_BACKEND", "smtp")
    cleanEnv.setenv("SMTP_HOST", "smtp.example.com")
    cleanEnv.setenv("MAIL_FROM", "no-reply@example.com")
    cleanEnv.setenv("PUBLIC_BASE_URL", "https://auth.example.com")
    cleanEnv.setenv("CORS_ORIGINS", "https://shop.example.com,http://localhost:5173")
    with pytest.raises(ConfigurationError, match="CORS_ORIGINS: 'http://localhost:5173' must be an https:// origin"):
        loadSettings()
    cleanEnv.setenv("CORS_ORIGINS", "https://shop.example.com")
    assert loadSettings().app.isProduction
    # The test environment keeps the file outbox the suites read.
    cleanEnv.setenv("APP_ENV", "test")
    cleanEnv.setenv("MAIL_BACKEND", "file")
    assert loadSettings().mail.backend == "file"


def test_theConsoleRequiresTotpUnlessToldOtherwise(cleanEnv: pytest.MonkeyPatch) -> None:
    assert loadSettings().auth.adminRequireMfa is True
    cleanEnv.setenv("AUTH_ADMIN_REQUIRE_MFA", "false")
    assert loadSettings().auth.adminRequireMfa is False


def test_corsOriginsParsedFromCommaList(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("CORS_ORIGINS", "https://a.example, http://localhost:5173")
    assert loadSettings().cors.origins == ["https://a.example", "http://localhost:5173"]


# The middleware compares Origin headers with the entries as they are: the admin API's rule (checkOrigin) names the
# form a browser sends, and an entry in any other spelling is refused with that form, not kept to match nothing.
@pytest.mark.parametrize(
    ("value", "serialized"),
    [
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://localhost:80", "http://localhost"),
        ("HTTP://localhost:8080", "http://localhost:8080"),
    ],
)
def test_corsOriginsMustBeInTheFormBrowsersSend(cleanEnv: pytest.MonkeyPatch, value: str, serialized: str) -> None:
    cleanEnv.setenv("CORS_ORIGINS", f"http://localhost:5173,{value}")
    message = refusalMessage()
    assert f"CORS_ORIGINS: Value error, '{value}' is not written as a browser sends it: use '{serialized}'" in message
    cleanEnv.setenv("CORS_ORIGINS", f"http://localhost:5173,{serialized}")
    assert loadSettings().cors.origins == ["http://localhost:5173", serialized]


@pytest.mark.parametrize("value", ["redis://h", "redis://h:6379/", "redis://:p%40ss@h:6379/15",
                                   "unix:///run/redis.sock?db=1"])
def test_redisUrlsTheGatewayReadsAlikeAreAccepted(cleanEnv: pytest.MonkeyPatch, value: str) -> None:
    cleanEnv.setenv("REDIS_URL", value)
    assert loadSettings().redis.url.get_secret_value() == value


def test_trustedProxiesAcceptPlainAddresses(cleanEnv: pytest.MonkeyPatch) -> None:
    cleanEnv.setenv("GATEWAY_TRUSTED_PROXIES", "127.0.0.1, 2001:DB8::7")
    assert loadSettings().gateway.trustedProxies == ["127.0.0.1", "2001:DB8::7"]


def test_secretsAreNotRenderedInRepr(cleanEnv: pytest.MonkeyPatch) -> None:
    settings = loadSettings()
    assert VALID["JWT_SECRET"] not in repr(settings)
    assert "asyncpg://postgres@127" not in repr(settings.database)


def test_tlsCertificateAndKeyGoTogetherAndMustExist(cleanEnv: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("pem")
    cleanEnv.setenv("GATEWAY_TLS_CERT", str(cert))
    with pytest.raises(ConfigurationError, match="GATEWAY_TLS_CERT and GATEWAY_TLS_KEY must be set together"):
        loadSettings()
    cleanEnv.setenv("GATEWAY_TLS_KEY", str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigurationError, match="does not exist"):
        loadSettings()
    key = tmp_path / "key.pem"
    key.write_text("pem")
    cleanEnv.setenv("GATEWAY_TLS_KEY", str(key))
    assert loadSettings().gateway.tlsKeyPath == key


# The gateway's renderer takes the paths into nginx's config as they are: a relative one is refused at load,
# not after the servers started.
@pytest.mark.parametrize("value", ["cert.pem", "./tls/cert.pem", "/etc/tls/my cert.pem"])
def test_tlsPathsMustBePlainAbsolutePaths(cleanEnv: pytest.MonkeyPatch, tmp_path: Path, value: str) -> None:
    key = tmp_path / "key.pem"
    key.write_text("pem")
    cleanEnv.chdir(tmp_path)
    (tmp_path / "tls").mkdir()
    for name in ("cert.pem", "tls/cert.pem"):
        (tmp_path / name).write_text("pem")
    cleanEnv.setenv("GATEWAY_TLS_CERT", value)
    cleanEnv.setenv("GATEWAY_TLS_KEY", str(key))
    with pytest.raises(ConfigurationError, match=r"GATEWAY_TLS_CERT .* must be an absolute path"):
        loadSettings()
