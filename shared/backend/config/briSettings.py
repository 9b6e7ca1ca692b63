from __future__ import annotations

import hmac
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from shared.backend.config.groupSettings import GroupSettings, checkHttpUrl, emptyIsNone

# Development's values, the simulator's (.env.example's; BRI_BRIVA_NO's default too): refused in production, where
# BRI knows the merchant by its own.
DEVELOPMENT_VALUES = {
    "brivaNo": ("BRI_BRIVA_NO", "77777"),
    "merchantId": ("BRI_QRIS_MERCHANT_ID", "000001019000014"),
    "terminalId": ("BRI_QRIS_TERMINAL_ID", "10049258"),
}
# .env.example's credentials for the simulator: refused in production (empty ones stop the public server's start).
DEVELOPMENT_CREDENTIALS = {
    "clientId": ("BRI_CLIENT_ID", "kservices-dev-client"),
    "partnerId": ("BRI_PARTNER_ID", "kservices-dev"),
    "inboundClientId": ("BRI_INBOUND_CLIENT_ID", "bri-dev-inbound"),
}


# An absolute http(s) URL, with an optional path prefix; calls append their path to it.
def checkBaseUrl(value: str) -> str:
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user or password (the credentials are BRI_CLIENT_ID and BRI_CLIENT_SECRET)")
    return checkHttpUrl(value, "https://partner.api.bri.co.id")


class BriSettings(GroupSettings):
    baseUrl: str = Field("http://127.0.0.1:8090", validation_alias="BRI_BASE_URL")
    clientId: str = Field("", validation_alias="BRI_CLIENT_ID")
    clientSecret: SecretStr = Field(SecretStr(""), validation_alias="BRI_CLIENT_SECRET")
    partnerId: str = Field("", max_length=36, validation_alias="BRI_PARTNER_ID")
    channelId: str = Field("95221", pattern=r"^\d{5}$", validation_alias="BRI_CHANNEL_ID")
    privateKeyPath: Path | None = Field(None, validation_alias="BRI_PRIVATE_KEY_PATH")
    briPublicKeyPath: Path | None = Field(None, validation_alias="BRI_PUBLIC_KEY_PATH")
    signatureEncoding: Literal["hex", "base64"] = Field("hex", validation_alias="BRI_SIGNATURE_ENCODING")
    brivaNo: str = Field("77777", pattern=r"^\d{5}$", validation_alias="BRI_BRIVA_NO")
    merchantId: str = Field("", validation_alias="BRI_QRIS_MERCHANT_ID")
    terminalId: str = Field("", validation_alias="BRI_QRIS_TERMINAL_ID")
    qrisGeneratePath: str = Field("/v1.0/qr-dynamic-mpm/qr-mpm-generate-qr", validation_alias="BRI_QRIS_GENERATE_PATH")
    qrisQueryPath: str = Field("/v1.0/qr-dynamic-mpm/qr-mpm-query", validation_alias="BRI_QRIS_QUERY_PATH")
    inboundClientId: str = Field("", validation_alias="BRI_INBOUND_CLIENT_ID")
    # While BRI switches: what BRI_PUBLIC_KEY_PATH and BRI_CLIENT_SECRET replaced, still accepted on BRI's calls to
    # us (never used on ours); empty: none (README, "Rotating the BRI keys and credentials").
    briPreviousPublicKeyPath: Path | None = Field(None, validation_alias="BRI_PREVIOUS_PUBLIC_KEY_PATH")
    previousClientSecret: SecretStr = Field(SecretStr(""), validation_alias="BRI_PREVIOUS_CLIENT_SECRET")
    timeoutSeconds: float = Field(8.0, gt=0, le=60, validation_alias="BRI_TIMEOUT_SECONDS")

    @field_validator("baseUrl")
    @classmethod
    def requireAbsoluteUrl(cls, value: str) -> str:
        return checkBaseUrl(value)

    @field_validator("privateKeyPath", "briPublicKeyPath", "briPreviousPublicKeyPath", mode="before")
    @classmethod
    def emptyIsUnset(cls, value: object) -> object:
        return emptyIsNone(value)

    @model_validator(mode="after")
    def refuseCurrentSecretAsPrevious(self) -> BriSettings:
        previous = self.previousClientSecret.get_secret_value().encode()
        if previous and hmac.compare_digest(previous, self.clientSecret.get_secret_value().encode()):
            raise ValueError("BRI_PREVIOUS_CLIENT_SECRET: is BRI_CLIENT_SECRET itself (leave it empty unless BRI is "
                             "switching secrets)")
        return self


def briProductionProblems(bri: BriSettings) -> list[str]:
    problems = []
    if not bri.baseUrl.startswith("https://"):
        # The default is the local simulator; BRI's hosts are https only, and the calls carry signed credentials.
        problems.append("BRI_BASE_URL: must be an https:// address in production")
    for field, (name, development) in DEVELOPMENT_VALUES.items():
        value = getattr(bri, field)
        if not value or value == development:
            problems.append(f"{name}: must be set to the merchant's own value in production (not empty or the "
                            f"simulator's {development})")
    for field, (name, development) in DEVELOPMENT_CREDENTIALS.items():
        if getattr(bri, field) == development:
            problems.append(f"{name}: must be set to the merchant's own value in production (not the simulator's "
                            f"{development})")
    return problems
