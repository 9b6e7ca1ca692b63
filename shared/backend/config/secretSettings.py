from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.backend.config.groupSettings import CsvList, GroupSettings

K = TypeVar("K")
JWT_SECRET_MIN = 32


def decodeMasterKey(value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64") from None
    if len(raw) < 32:
        raise ValueError("must decode to at least 32 bytes")
    return raw


def checkJwtSecret(value: str) -> str:
    if len(value) < JWT_SECRET_MIN:
        raise ValueError(f"must be at least {JWT_SECRET_MIN} characters")
    return value


# A list of retired secrets, each checked by `decode`; a bad entry is named by its position only, so that
# the message never carries secret material.
def decodePrevious(values: list[SecretStr], decode: Callable[[str], K], noun: str) -> list[K]:
    decoded = []
    for position, value in enumerate(values, start=1):
        try:
            decoded.append(decode(value.get_secret_value()))
        except ValueError as error:
            raise ValueError(f"{noun} {position} {error}") from None
    if len(set(decoded)) != len(decoded):  # type: ignore[arg-type]
        raise ValueError(f"lists the same {noun} twice")
    return decoded


class JwtSettings(GroupSettings):
    secret: SecretStr = Field(validation_alias="JWT_SECRET")
    # Secrets replaced by JWT_SECRET: tokens signed under them still verify until they expire
    # (docs/decisions.md). Comma-separated, so a listed secret cannot contain a comma.
    previousSecrets: CsvList[SecretStr] = Field(
        default_factory=list, max_length=4, validation_alias="JWT_PREVIOUS_SECRETS")
    algorithm: Literal["HS256", "HS384", "HS512"] = Field("HS256", validation_alias="JWT_ALGORITHM")
    issuer: str = Field("kservices", min_length=1, validation_alias="JWT_ISSUER")
    accessTtlSeconds: int = Field(900, ge=60, le=3600, validation_alias="JWT_ACCESS_TTL_SECONDS")
    adminAccessTtlSeconds: int = Field(600, ge=60, le=3600, validation_alias="JWT_ADMIN_ACCESS_TTL_SECONDS")
    # PyJWT refuses every token whose aud is empty: an empty audience would start a server that refuses its own.
    userAudience: str = Field("kauth", min_length=1, validation_alias="JWT_USER_AUDIENCE")
    adminAudience: str = Field("ksysadmin", min_length=1, validation_alias="JWT_ADMIN_AUDIENCE")

    @field_validator("secret")
    @classmethod
    def requireStrongSecret(cls, value: SecretStr) -> SecretStr:
        checkJwtSecret(value.get_secret_value())
        return value

    @field_validator("previousSecrets")
    @classmethod
    def requireStrongPreviousSecrets(cls, value: list[SecretStr]) -> list[SecretStr]:
        decodePrevious(value, checkJwtSecret, "secret")
        return value

    @model_validator(mode="after")
    def refuseCurrentSecretAsPrevious(self) -> JwtSettings:
        if self.secret.get_secret_value() in self.previousSecretValues():
            raise ValueError("JWT_PREVIOUS_SECRETS lists JWT_SECRET itself")
        # One secret signs both kinds of token: only the audience keeps a user token out of the admin API.
        if self.userAudience == self.adminAudience:
            raise ValueError("JWT_USER_AUDIENCE and JWT_ADMIN_AUDIENCE must differ")
        return self

    def previousSecretValues(self) -> list[str]:
        return [secret.get_secret_value() for secret in self.previousSecrets]


class CryptoSettings(GroupSettings):
    masterKey: SecretStr = Field(validation_alias="CRYPTO_MASTER_KEY")
    # Keys replaced by CRYPTO_MASTER_KEY: values under them still decrypt until re-encrypted (docs/crypto.md).
    previousMasterKeys: CsvList[SecretStr] = Field(
        default_factory=list, max_length=8, validation_alias="CRYPTO_PREVIOUS_MASTER_KEYS")
    argon2MemoryKib: int = Field(19456, ge=19456, le=4194304, validation_alias="CRYPTO_ARGON2_MEMORY_KIB")
    argon2Iterations: int = Field(2, ge=2, le=100, validation_alias="CRYPTO_ARGON2_ITERATIONS")
    argon2Parallelism: int = Field(1, ge=1, le=64, validation_alias="CRYPTO_ARGON2_PARALLELISM")

    @field_validator("masterKey")
    @classmethod
    def requireKeyBytes(cls, value: SecretStr) -> SecretStr:
        decodeMasterKey(value.get_secret_value())
        return value

    @field_validator("previousMasterKeys")
    @classmethod
    def requirePreviousKeyBytes(cls, value: list[SecretStr]) -> list[SecretStr]:
        decodePrevious(value, decodeMasterKey, "key")
        return value

    @model_validator(mode="after")
    def refuseCurrentKeyAsPrevious(self) -> CryptoSettings:
        if self.masterKeyBytes() in self.previousMasterKeyBytes():
            raise ValueError("CRYPTO_PREVIOUS_MASTER_KEYS lists CRYPTO_MASTER_KEY itself")
        return self

    def masterKeyBytes(self) -> bytes:
        return base64.b64decode(self.masterKey.get_secret_value())

    def previousMasterKeyBytes(self) -> list[bytes]:
        return [base64.b64decode(key.get_secret_value()) for key in self.previousMasterKeys]
