from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    InboundClientError,
    InboundMissingFieldError,
    InboundRequestError,
    InboundSignatureError,
    InboundTimestampError,
    InboundTokenError,
)
from KSysPayment.backend.infrastructure.bri.inboundTokens import newInboundToken, validInboundToken
from KSysPayment.backend.infrastructure.bri.keys import BriConfigurationError, loadPreviousPublicKey, loadPublicKey
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    parseSnapTimestamp,
    stringToSign,
    verifyHmacSignature,
    verifyRsaTokenSignature,
)
from shared.backend.config.settings import BriSettings
from shared.backend.loggingFactory import LogCategory, getSystemLogger

TIMESTAMP_FIELD = [{"field": "X-TIMESTAMP"}]
# The settings holding what verifies BRI's calls: the current value, then the one it replaced (inbound only).
SECRET_SETTINGS = ("BRI_CLIENT_SECRET", "BRI_PREVIOUS_CLIENT_SECRET")
KEY_SETTINGS = ("BRI_PUBLIC_KEY_PATH", "BRI_PREVIOUS_PUBLIC_KEY_PATH")
K = TypeVar("K")
logger = getSystemLogger("payment.inbound")


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    accessToken: str
    expiresIn: int

    def responseBody(self) -> dict[str, str]:
        return {
            "responseCode": "2007300",
            "responseMessage": "Successful",
            "accessToken": self.accessToken,
            "tokenType": "BearerToken",
            "expiresIn": str(self.expiresIn),
        }


@dataclass(frozen=True, slots=True)
class VerifiedInboundCall:
    timestamp: datetime
    externalId: str | None
    partnerId: str | None
    channelId: str | None
    signatureKind: str


def utcNow() -> datetime:
    return datetime.now(UTC)


def headerOf(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def requireHeader(headers: Mapping[str, str], name: str) -> str:
    value = headerOf(headers, name)
    if value is None or not value.strip():
        raise InboundMissingFieldError(f"Missing mandatory header {name}", details=[{"field": name}])
    return value


def asPaths(endpointPaths: str | Sequence[str]) -> tuple[str, ...]:
    return (endpointPaths,) if isinstance(endpointPaths, str) else tuple(endpointPaths)


# Each value with the setting that holds it, the current first; no previous value: the current alone.
def currentThenPrevious(current: K, previous: K | None, settings: tuple[str, str]) -> tuple[tuple[K, str], ...]:
    return ((current, settings[0]),) if previous is None else ((current, settings[0]), (previous, settings[1]))


# A call verified only by the previous value is accepted and logged (the setting's name, never its value):
# BRI has not switched yet.
def verifiedBy(candidates: tuple[tuple[K, str], ...], verifies: Callable[[K], bool], check: str) -> bool:
    for position, (value, setting) in enumerate(candidates):
        if verifies(value):
            if position:
                logger.log(LogCategory.SECURITY, "warning", "bri_inbound_previous_key",
                           "Accepted a BRI call under its previous key or secret: BRI has not switched yet",
                           verified_by=setting, check=check)
            return True
    return False


class InboundAuthenticator:
    def __init__(
        self,
        *,
        clientId: str,
        clientSecret: str,
        briPublicKey: RSAPublicKey,
        tokenKeys: tuple[bytes, ...],
        tokenTtlSeconds: int = 899,
        timestampToleranceSeconds: float = 300.0,
        rsaClientIds: Sequence[str] = (),
        allowQrisRsaWithoutToken: bool = False,
        now: Callable[[], datetime] = utcNow,
        previousClientSecret: str | None = None,
        previousBriPublicKey: RSAPublicKey | None = None,
    ) -> None:
        if not clientId or not clientSecret:
            raise ValueError("inbound clientId and clientSecret are required")
        if not tokenKeys:
            raise ValueError("a key to tag inbound access tokens is required")
        self.clientId = clientId
        self.hmacSecrets = currentThenPrevious(clientSecret, previousClientSecret or None, SECRET_SETTINGS)
        self.briPublicKeys = currentThenPrevious(briPublicKey, previousBriPublicKey, KEY_SETTINGS)
        # Tokens are tagged under the first key and accepted under any (inboundTokens.py).
        self.tokenKeys = tokenKeys
        self.tokenTtlSeconds = tokenTtlSeconds
        self.timestampToleranceSeconds = timestampToleranceSeconds
        # Client ids accepted in the RSA form of QRIS notifications (clientId|timestamp).
        self.rsaClientIds = tuple(dict.fromkeys((clientId, *rsaClientIds)))
        self.allowQrisRsaWithoutToken = allowQrisRsaWithoutToken
        self.now = now

    @classmethod
    def fromSettings(
        cls,
        settings: BriSettings,
        tokenKeys: tuple[bytes, ...],
        *,
        timestampToleranceSeconds: float = 300.0,
        tokenTtlSeconds: int = 899,
    ) -> InboundAuthenticator:
        # HMAC key for BRI's notifications: the client secret (BRI.md: one secret, both directions).
        if not settings.inboundClientId:
            raise BriConfigurationError("BRI_INBOUND_CLIENT_ID is required to accept calls from BRI")
        briPublicKey = loadPublicKey(settings.briPublicKeyPath)
        return cls(
            clientId=settings.inboundClientId,
            clientSecret=settings.clientSecret.get_secret_value(),
            briPublicKey=briPublicKey,
            tokenKeys=tokenKeys,
            tokenTtlSeconds=tokenTtlSeconds,
            timestampToleranceSeconds=timestampToleranceSeconds,
            rsaClientIds=(settings.clientId,) if settings.clientId else (),
            previousClientSecret=settings.previousClientSecret.get_secret_value(),
            previousBriPublicKey=loadPreviousPublicKey(settings.briPreviousPublicKeyPath, briPublicKey),
        )

    def checkTimestamp(self, headers: Mapping[str, str]) -> tuple[str, datetime]:
        raw = requireHeader(headers, "X-TIMESTAMP")
        try:
            parsed = parseSnapTimestamp(raw)
        except ValueError:
            raise InboundTimestampError("X-TIMESTAMP is not a SNAP timestamp", details=TIMESTAMP_FIELD) from None
        skew = abs((self.now() - parsed).total_seconds())
        if skew > self.timestampToleranceSeconds:
            raise InboundTimestampError("X-TIMESTAMP is outside the accepted window", details=TIMESTAMP_FIELD)
        return raw, parsed

    async def issueAccessToken(self, headers: Mapping[str, str], rawBody: bytes) -> IssuedAccessToken:
        clientKey = requireHeader(headers, "X-CLIENT-KEY")
        signature = requireHeader(headers, "X-SIGNATURE")
        timestamp, _ = self.checkTimestamp(headers)
        if not hmac.compare_digest(clientKey.encode(), self.clientId.encode()):
            raise InboundClientError()
        if not self.rsaMatches((clientKey,), timestamp, signature, "token"):
            raise InboundSignatureError()
        try:
            body = json.loads(rawBody) if rawBody else None
        except (ValueError, RecursionError):
            raise InboundRequestError("The token request body is not JSON") from None
        if not isinstance(body, dict) or body.get("grantType") != "client_credentials":
            raise InboundRequestError("grantType must be client_credentials")
        token = newInboundToken(self.tokenKeys[0], self.now() + timedelta(seconds=self.tokenTtlSeconds))
        return IssuedAccessToken(token, self.tokenTtlSeconds)

    def checkToken(self, headers: Mapping[str, str]) -> str:
        authorization = requireHeader(headers, "Authorization").strip()
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise InboundTokenError("Authorization must be 'Bearer <token>'")
        if not validInboundToken(token, self.tokenKeys, self.now()):
            raise InboundTokenError()
        return token

    def verifiedCall(self, headers: Mapping[str, str], parsed: datetime, kind: str) -> VerifiedInboundCall:
        return VerifiedInboundCall(
            timestamp=parsed,
            externalId=headerOf(headers, "X-EXTERNAL-ID"),
            partnerId=headerOf(headers, "X-PARTNER-ID"),
            channelId=headerOf(headers, "CHANNEL-ID"),
            signatureKind=kind,
        )

    def hmacMatches(self, method: str, paths: tuple[str, ...], token: str, rawBody: bytes,
                    timestamp: str, signature: str) -> bool:
        messages = [stringToSign(method, path, token, rawBody, timestamp) for path in paths]

        def signedWith(secret: str) -> bool:
            matched = False
            for message in messages:
                matched |= verifyHmacSignature(secret, message, signature)
            return matched

        return verifiedBy(self.hmacSecrets, signedWith, "hmac")

    # The RSA form, clientId|timestamp, signed by BRI's key for one of clientIds.
    def rsaMatches(self, clientIds: Sequence[str], timestamp: str, signature: str, check: str) -> bool:
        def signedWith(key: RSAPublicKey) -> bool:
            return any(verifyRsaTokenSignature(key, clientId, timestamp, signature) for clientId in clientIds)

        return verifiedBy(self.briPublicKeys, signedWith, check)

    async def verifyTransaction(
        self, *, method: str, endpointPaths: str | Sequence[str], headers: Mapping[str, str], rawBody: bytes
    ) -> VerifiedInboundCall:
        # endpointPaths: the path(s) BRI signs, i.e. the path of the URL BRI is configured with.
        signature = requireHeader(headers, "X-SIGNATURE")
        timestamp, parsed = self.checkTimestamp(headers)
        token = self.checkToken(headers)
        if not self.hmacMatches(method, asPaths(endpointPaths), token, rawBody, timestamp, signature):
            raise InboundSignatureError()
        return self.verifiedCall(headers, parsed, "hmac")

    async def verifyQrisNotification(
        self, *, method: str, endpointPaths: str | Sequence[str], headers: Mapping[str, str], rawBody: bytes
    ) -> VerifiedInboundCall:
        # Uncertain in BRI's docs: HMAC-SHA512 as other calls, or RSA-SHA256 over clientId|timestamp.
        signature = requireHeader(headers, "X-SIGNATURE")
        timestamp, parsed = self.checkTimestamp(headers)
        hasToken = headerOf(headers, "Authorization") is not None
        token = self.checkToken(headers) if hasToken or not self.allowQrisRsaWithoutToken else ""
        if token and self.hmacMatches(method, asPaths(endpointPaths), token, rawBody, timestamp, signature):
            return self.verifiedCall(headers, parsed, "hmac")
        if self.rsaMatches(self.rsaClientIds, timestamp, signature, "rsa"):
            return self.verifiedCall(headers, parsed, "rsa")
        raise InboundSignatureError()
