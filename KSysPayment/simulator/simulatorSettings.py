from __future__ import annotations

import ipaddress
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.backend.config.settings import describeErrors
from shared.backend.exceptions.serviceConfigurationError import ServiceConfigurationError


# SIM_ALLOWED_NETWORKS: comma-separated networks in CIDR notation; anything else stops the simulator at start.
def parseNetworks(value: object) -> object:
    if not isinstance(value, str):
        return value
    if not value.strip():
        return []
    networks: list[IPv4Network | IPv6Network] = []
    for item in (part.strip() for part in value.split(",")):
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError:
            raise ValueError(f"{item!r} is not a network in CIDR notation (such as 172.28.73.0/24)") from None
    return networks


ClientNetworks = Annotated[list[IPv4Network | IPv6Network], NoDecode, BeforeValidator(parseNetworks)]


class SimulatorSettings(BaseSettings):
    # Every variable is SIM_<NAME>; docs/bri.md lists them.
    model_config = SettingsConfigDict(env_prefix="SIM_", extra="ignore", frozen=True)

    # Credentials BRI issued to us (the merchant): our calls to the simulator use them.
    clientId: str = Field("kservices-dev-client", validation_alias="SIM_CLIENT_ID")
    clientSecret: SecretStr = Field(SecretStr("kservices-dev-secret"), validation_alias="SIM_CLIENT_SECRET")
    merchantPublicKeyPath: Path = Field(Path(".run/bri/merchant_public.pem"),
                                        validation_alias="SIM_MERCHANT_PUBLIC_KEY_PATH")
    # BRI's own key: signs the token call the simulator makes to us.
    privateKeyPath: Path = Field(Path(".run/bri/bri_private.pem"), validation_alias="SIM_PRIVATE_KEY_PATH")
    # Where notifications go (our gateway prefix included).
    merchantBaseUrl: str = Field("http://127.0.0.1/api/payment", validation_alias="SIM_MERCHANT_BASE_URL")
    merchantTokenPath: str = Field("/snap/v1.0/access-token/b2b", validation_alias="SIM_MERCHANT_TOKEN_PATH")
    vaNotifyPath: str = Field("/snap/v1.0/transfer-va/notify-payment-intrabank",
                              validation_alias="SIM_VA_NOTIFY_PATH")
    qrisNotifyPath: str = Field("/snap/v1.1/qr/qr-mpm-notify", validation_alias="SIM_QRIS_NOTIFY_PATH")
    signatureEncoding: Literal["hex", "base64"] = Field("hex", validation_alias="SIM_SIGNATURE_ENCODING")
    qrisNotifySignature: Literal["hmac", "rsa"] = Field("hmac", validation_alias="SIM_QRIS_NOTIFY_SIGNATURE")
    # The client id we issued to BRI (our BRI_INBOUND_CLIENT_ID) and the HMAC key for notifications.
    inboundClientId: str = Field("bri-dev-client", validation_alias="SIM_INBOUND_CLIENT_ID")
    inboundClientSecret: SecretStr | None = Field(None, validation_alias="SIM_INBOUND_CLIENT_SECRET")
    notifyPartnerId: str = Field("77777", validation_alias="SIM_NOTIFY_PARTNER_ID")
    notifyChannelId: str = Field("95221", validation_alias="SIM_NOTIFY_CHANNEL_ID")
    tokenTtlSeconds: int = Field(899, ge=1, le=86400, validation_alias="SIM_TOKEN_TTL_SECONDS")
    timestampToleranceSeconds: float = Field(300.0, gt=0, validation_alias="SIM_TIMESTAMP_TOLERANCE_SECONDS")
    notifyTimeoutSeconds: float = Field(10.0, gt=0, le=60, validation_alias="SIM_NOTIFY_TIMEOUT_SECONDS")
    port: int = Field(8090, ge=1, le=65535, validation_alias="SIM_PORT")
    # Callers allowed besides loopback (docker-compose: its network, where the public server calls from).
    allowedNetworks: ClientNetworks = Field(default_factory=list, validation_alias="SIM_ALLOWED_NETWORKS")

    def notifySecret(self) -> str:
        secret = self.inboundClientSecret or self.clientSecret
        return secret.get_secret_value()


# Startup's load: a bad value is named by its variable in one line, without pydantic's text (which quotes the values).
def loadSimulatorSettings() -> SimulatorSettings:
    try:
        return SimulatorSettings()
    except ValidationError as error:
        raise ServiceConfigurationError("invalid configuration: " + "; ".join(describeErrors(error))) from None
