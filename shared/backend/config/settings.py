from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator

from shared.backend.config.briSettings import BriSettings, briProductionProblems
from shared.backend.config.groupSettings import CsvList, GroupSettings, checkHttpUrl, emptyIsNone, envFilePath
from shared.backend.config.mailSettings import MailSettings, mailProductionProblems
from shared.backend.config.misspelledNames import refuseMisspelled
from shared.backend.config.secretSettings import CryptoSettings, JwtSettings
from shared.backend.config.serverUrls import checkDatabaseUrl, checkRedisUrl
from shared.backend.utils.origin import checkOrigin

# Placeholders shipped in .env.example; refused outside development.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder")
GroupT = TypeVar("GroupT", bound=GroupSettings)
PLAIN_ABSOLUTE_PATH = re.compile(r"/[A-Za-z0-9._/+@=,-]*")
DAY = 86_400
YEAR = 365 * DAY
# The largest integer a JSON client's number (the frontends' JavaScript) holds exactly; BIGINT holds more.
MAX_AMOUNT = 2**53 - 1


class AppSettings(GroupSettings):
    # Required: a deployment that forgets it must not get development's conveniences (simulator routes, file
    # mail, placeholder secrets).
    env: Literal["development", "test", "production"] = Field(validation_alias="APP_ENV")
    logLevel: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias="LOG_LEVEL")
    logFormat: Literal["json", "console", "auto"] = Field("auto", validation_alias="LOG_FORMAT")
    slowRequestMs: int = Field(250, ge=1, le=600_000, validation_alias="LOG_SLOW_REQUEST_MS")
    # Objects the cyclic collector's youngest generation takes before it runs, while serving (Python: 700).
    gcYoungThreshold: int = Field(20_000, ge=700, le=1_000_000, validation_alias="APP_GC_YOUNG_THRESHOLD")

    @property
    def isProduction(self) -> bool:
        return self.env == "production"


class DatabaseSettings(GroupSettings):
    url: SecretStr = Field(validation_alias="DATABASE_URL")
    poolSize: int = Field(20, ge=1, le=200, validation_alias="DATABASE_POOL_SIZE")
    maxOverflow: int = Field(20, ge=0, le=200, validation_alias="DATABASE_MAX_OVERFLOW")
    autocommitPoolSize: int = Field(10, ge=1, le=200, validation_alias="DATABASE_AUTOCOMMIT_POOL_SIZE")
    driverPoolSize: int = Field(10, ge=1, le=200, validation_alias="DATABASE_DRIVER_POOL_SIZE")
    poolTimeoutSeconds: float = Field(10.0, gt=0, le=60, validation_alias="DATABASE_POOL_TIMEOUT_SECONDS")
    connectTimeoutSeconds: float = Field(5.0, gt=0, le=60, validation_alias="DATABASE_CONNECT_TIMEOUT_SECONDS")
    echo: bool = Field(False, validation_alias="DATABASE_ECHO")

    @field_validator("url")
    @classmethod
    def requireAsyncpg(cls, value: SecretStr) -> SecretStr:
        checkDatabaseUrl(value.get_secret_value())
        return value


class RedisSettings(GroupSettings):
    url: SecretStr = Field(validation_alias="REDIS_URL")
    maxConnections: int = Field(50, ge=1, le=10000, validation_alias="REDIS_MAX_CONNECTIONS")
    socketTimeoutSeconds: float = Field(2.0, gt=0, le=60, validation_alias="REDIS_SOCKET_TIMEOUT_SECONDS")
    poolTimeoutSeconds: float = Field(2.0, gt=0, le=60, validation_alias="REDIS_POOL_TIMEOUT_SECONDS")

    @field_validator("url")
    @classmethod
    def requireRedisScheme(cls, value: SecretStr) -> SecretStr:
        checkRedisUrl(value.get_secret_value())
        return value


class CorsSettings(GroupSettings):
    origins: CsvList[str] = Field(default_factory=list, validation_alias="CORS_ORIGINS")
    allowCredentials: bool = Field(True, validation_alias="CORS_ALLOW_CREDENTIALS")

    # Compared as they are with the Origin header: an entry in any other spelling would never match.
    @field_validator("origins")
    @classmethod
    def requireOrigins(cls, value: list[str]) -> list[str]:
        for origin in value:
            try:
                serialized = checkOrigin(origin)
            except ValueError as error:
                raise ValueError(f"'{origin}' {error}") from None
            if serialized != origin:
                raise ValueError(f"'{origin}' is not written as a browser sends it: use '{serialized}'")
        return value


class GatewaySettings(GroupSettings):
    port: int = Field(80, ge=1, le=65535, validation_alias="GATEWAY_PORT")
    publicBaseUrl: str = Field("http://localhost", validation_alias="PUBLIC_BASE_URL")
    trustedProxies: CsvList[str] = Field(default_factory=list, validation_alias="GATEWAY_TRUSTED_PROXIES")

    tlsPort: int = Field(443, ge=1, le=65535, validation_alias="GATEWAY_TLS_PORT")
    tlsCertPath: Path | None = Field(None, validation_alias="GATEWAY_TLS_CERT")
    tlsKeyPath: Path | None = Field(None, validation_alias="GATEWAY_TLS_KEY")

    # The gateway compares each entry with the peer's address: a CIDR range or a name would never match.
    @field_validator("trustedProxies")
    @classmethod
    def requirePlainAddresses(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_address(entry)
            except ValueError:
                raise ValueError(f"'{entry}' is not an IP address (CIDR ranges are not supported)") from None
            if "%" in entry:
                raise ValueError(f"'{entry}' is not an IP address (no zone index)")
        return value

    # The mailed links and the refresh cookie's Secure flag are built from it.
    @field_validator("publicBaseUrl")
    @classmethod
    def requireAbsoluteUrl(cls, value: str) -> str:
        return checkHttpUrl(value, "https://auth.example.com")

    @field_validator("tlsCertPath", "tlsKeyPath", mode="before")
    @classmethod
    def emptyIsUnset(cls, value: object) -> object:
        return emptyIsNone(value)

    @model_validator(mode="after")
    def requireCertificatePair(self) -> GatewaySettings:
        if (self.tlsCertPath is None) != (self.tlsKeyPath is None):
            raise ValueError("GATEWAY_TLS_CERT and GATEWAY_TLS_KEY must be set together")
        for name, path in (("GATEWAY_TLS_CERT", self.tlsCertPath), ("GATEWAY_TLS_KEY", self.tlsKeyPath)):
            if path is None:
                continue
            # The gateway's renderer pastes the path into nginx's config: the grammar docker/gatewayValues.sh checks.
            if not PLAIN_ABSOLUTE_PATH.fullmatch(str(path)):
                raise ValueError(f"{name} ({path}) must be an absolute path of letters, digits and ._/+@=,-")
            if not path.is_file():
                raise ValueError(f"TLS file {path} does not exist")
        return self


class AuthSettings(GroupSettings):
    argon2TimeCost: int = Field(2, ge=2, le=20, validation_alias="AUTH_ARGON2_TIME_COST")
    argon2MemoryKib: int = Field(19456, ge=19456, le=1048576, validation_alias="AUTH_ARGON2_MEMORY_KIB")
    argon2Parallelism: int = Field(1, ge=1, le=16, validation_alias="AUTH_ARGON2_PARALLELISM")
    hashThreads: int = Field(0, ge=0, le=64, validation_alias="AUTH_HASH_THREADS")  # 0: one per CPU core
    hashNice: int = Field(5, ge=0, le=19, validation_alias="AUTH_HASH_NICE")  # hash threads' nice increment
    lockoutThreshold: int = Field(5, ge=1, le=100, validation_alias="AUTH_LOCKOUT_THRESHOLD")
    # Durations are added to now: unbounded, a huge one overflowed the datetime and answered every login 500. A
    # lockout longer than a day would let anyone who knows an address keep its owner out; longer is an admin's lock.
    lockoutWindowSeconds: int = Field(900, ge=60, le=DAY, validation_alias="AUTH_LOCKOUT_WINDOW_SECONDS")
    lockoutDurationSeconds: int = Field(900, ge=60, le=DAY, validation_alias="AUTH_LOCKOUT_DURATION_SECONDS")
    sessionIdleSeconds: int = Field(604800, ge=300, le=YEAR, validation_alias="AUTH_SESSION_IDLE_SECONDS")
    sessionAbsoluteSeconds: int = Field(2592000, ge=3600, le=YEAR, validation_alias="AUTH_SESSION_ABSOLUTE_SECONDS")
    verificationTtlSeconds: int = Field(86400, ge=300, le=30 * DAY, validation_alias="AUTH_VERIFICATION_TTL_SECONDS")
    resetTtlSeconds: int = Field(3600, ge=300, le=86400, validation_alias="AUTH_RESET_TTL_SECONDS")
    mfaIssuer: str = Field("KServices", min_length=1, validation_alias="AUTH_MFA_ISSUER")
    # The admin console needs an account with TOTP on: a leaked admin password alone opens nothing.
    adminRequireMfa: bool = Field(True, validation_alias="AUTH_ADMIN_REQUIRE_MFA")
    # Ended sessions and spent or expired one-time tokens are deleted this long after they ended (the admin
    # server's purge pass, every AUTH_PURGE_INTERVAL_SECONDS); the audit log keeps what happened.
    endedRetentionDays: int = Field(90, ge=7, le=3650, validation_alias="AUTH_ENDED_RETENTION_DAYS")
    purgeIntervalSeconds: int = Field(3600, ge=60, le=DAY, validation_alias="AUTH_PURGE_INTERVAL_SECONDS")
    # How often the admin server deletes the Redis keys of sessions revoked since its last pass.
    revokedKeySweepSeconds: int = Field(5, ge=1, le=3600, validation_alias="AUTH_REVOKED_KEY_SWEEP_SECONDS")

    @model_validator(mode="after")
    def requireIdleWithinAbsolute(self) -> AuthSettings:
        # An idle timeout past the absolute one would never end a session: a typo, not a policy.
        if self.sessionIdleSeconds > self.sessionAbsoluteSeconds:
            raise ValueError("AUTH_SESSION_IDLE_SECONDS must not exceed AUTH_SESSION_ABSOLUTE_SECONDS")
        return self


class PaymentSettings(GroupSettings):
    minAmount: int = Field(10000, ge=1, le=MAX_AMOUNT, validation_alias="PAYMENT_MIN_AMOUNT")
    maxAmount: int = Field(50000000, ge=1, le=MAX_AMOUNT, validation_alias="PAYMENT_MAX_AMOUNT")
    expiryMinutes: int = Field(60, ge=5, le=10080, validation_alias="PAYMENT_EXPIRY_MINUTES")
    reconcileIntervalSeconds: int = Field(30, ge=1, le=3600, validation_alias="PAYMENT_RECONCILE_INTERVAL_SECONDS")
    # How long after its expiry a cancelled or expired QR is still asked about at BRI (0: never).
    qrisRecheckHours: int = Field(24, ge=0, le=720, validation_alias="PAYMENT_QRIS_RECHECK_HOURS")

    @model_validator(mode="after")
    def requireOrderedBounds(self) -> PaymentSettings:
        if self.minAmount > self.maxAmount:
            raise ValueError("PAYMENT_MIN_AMOUNT must not exceed PAYMENT_MAX_AMOUNT")
        return self


@dataclass(frozen=True)
class Settings:
    app: AppSettings
    auth: AuthSettings
    payment: PaymentSettings
    database: DatabaseSettings
    redis: RedisSettings
    jwt: JwtSettings
    cors: CorsSettings
    crypto: CryptoSettings
    gateway: GatewaySettings
    mail: MailSettings
    bri: BriSettings


GROUPS: dict[str, type[GroupSettings]] = {
    "app": AppSettings,
    "auth": AuthSettings,
    "payment": PaymentSettings,
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "jwt": JwtSettings,
    "cors": CorsSettings,
    "crypto": CryptoSettings,
    "gateway": GatewaySettings,
    "mail": MailSettings,
    "bri": BriSettings,
}


class ConfigurationError(RuntimeError):
    pass


def describeErrors(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        problem = "is required but not set" if item["type"] == "missing" else item["msg"]
        if not item["loc"]:
            # A check across a group's fields, whose message names the variables itself.
            lines.append(problem.removeprefix("Value error, "))
            continue
        lines.append(f"{'.'.join(str(part) for part in item['loc'])}: {problem}")
    return lines


def refuseUnsafeSettings(settings: Settings) -> list[str]:
    if settings.app.env == "development":
        return []
    secrets = {
        "JWT_SECRET": settings.jwt.secret.get_secret_value(),
        "CRYPTO_MASTER_KEY": settings.crypto.masterKey.get_secret_value(),
        "BRI_CLIENT_SECRET": settings.bri.clientSecret.get_secret_value(),
        "BRI_PREVIOUS_CLIENT_SECRET": settings.bri.previousClientSecret.get_secret_value(),
        # A retired placeholder would keep the tokens anyone could sign with it valid.
        **{f"JWT_PREVIOUS_SECRETS: secret {position}": value
           for position, value in enumerate(settings.jwt.previousSecretValues(), start=1)},
    }
    problems = [
        f"{name}: is a placeholder; generate a real secret outside development"
        for name, value in secrets.items()
        if any(marker in value.lower() for marker in PLACEHOLDER_MARKERS)
    ]
    if settings.app.isProduction:
        problems.extend(mailProductionProblems(settings.mail))
        problems.extend(briProductionProblems(settings.bri))
    if settings.app.isProduction and not settings.gateway.publicBaseUrl.startswith("https://"):
        # The refresh cookie's Secure flag and the mailed verification and reset links follow it.
        problems.append("PUBLIC_BASE_URL: must be an https:// address in production")
    if settings.app.isProduction:
        # A page served over http can be rewritten in transit, and would then read credentialed answers.
        problems.extend(f"CORS_ORIGINS: '{origin}' must be an https:// origin in production"
                        for origin in settings.cors.origins if not origin.startswith("https://"))
    return problems


# Old names still set in the environment or the env file would otherwise be ignored without a word.
RENAMED = {"DATABASE_READ_POOL_SIZE": "DATABASE_AUTOCOMMIT_POOL_SIZE"}


def settingNames() -> list[str]:
    return [str(field.validation_alias) for group in GROUPS.values() for field in group.model_fields.values()]


def invalidConfiguration(problems: list[str]) -> ConfigurationError:
    return ConfigurationError("invalid configuration:\n  " + "\n  ".join(problems))


def refuseRenamed(path: Path | None) -> list[str]:
    present = set(os.environ) | (set(dotenv_values(path)) if path is not None and path.is_file() else set())
    return [f"{old}: was renamed to {new}" for old, new in RENAMED.items() if old in present]


# An env file that exists but cannot be read (permissions, not UTF-8) is named, not a traceback.
def refuseUnreadable(path: Path | None) -> None:
    if path is None or not path.exists():
        return
    try:
        path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise invalidConfiguration([f"{path}: cannot be read ({reason})"]) from None


# A file KSERVICES_ENV_FILE names must exist (its settings would otherwise fall back to their defaults); the
# default .env may be absent, the environment holding everything.
def refuseMissingNamedFile(path: Path | None) -> None:
    if path is not None and os.environ.get("KSERVICES_ENV_FILE") and not path.exists():
        raise invalidConfiguration([f"KSERVICES_ENV_FILE: {path} does not exist"])


def loadSettings(envFile: Path | None = None) -> Settings:
    path = envFile if envFile is not None else envFilePath()
    if envFile is None:
        refuseMissingNamedFile(path)
    refuseUnreadable(path)
    problems: list[str] = refuseRenamed(path) + refuseMisspelled(path, settingNames(), os.environ)
    groups: dict[str, GroupSettings] = {}
    for name, groupClass in GROUPS.items():
        try:
            groups[name] = groupClass(_env_file=path)  # type: ignore[call-arg]
        except ValidationError as error:
            problems.extend(describeErrors(error))
    if not problems:
        settings = Settings(**groups)  # type: ignore[arg-type]
        problems.extend(refuseUnsafeSettings(settings))
        if not problems:
            return settings
    raise invalidConfiguration(problems)


# One group alone, for a tool that needs no more (the migrations read only the database's): the other groups'
# variables are neither needed nor checked.
def loadGroup(groupClass: type[GroupT], envFile: Path | None = None) -> GroupT:
    path = envFile if envFile is not None else envFilePath()
    if envFile is None:
        refuseMissingNamedFile(path)
    refuseUnreadable(path)
    try:
        return groupClass(_env_file=path)  # type: ignore[call-arg]
    except ValidationError as error:
        raise invalidConfiguration(describeErrors(error)) from None


@lru_cache(maxsize=1)
def getSettings() -> Settings:
    return loadSettings()
