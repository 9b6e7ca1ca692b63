from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    InboundClientError,
    InboundMissingFieldError,
    InboundRequestError,
    InboundSignatureError,
    InboundTimestampError,
    InboundTokenError,
)
from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundResponses import snapErrorResponse
from KSysPayment.backend.infrastructure.bri.inboundTokens import inboundTokenKeys
from KSysPayment.backend.infrastructure.bri.keys import BriConfigurationError, generatePrivateKey, loadPrivateKey
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    hmacSignature,
    minifiedJson,
    rsaTokenSignature,
    snapTimestamp,
    stringToSign,
)
from shared.backend.config.settings import BriSettings
from shared.backend.exceptions.domainError import DomainError

CLIENT_ID = "bri-client"
SECRET = "inbound-secret-abc"
NOW = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
JWT_SECRET = "jwt-secret-of-the-inbound-tests-0123456789"
TOKEN_KEYS = inboundTokenKeys(JWT_SECRET)
NOTIFY_PATH = "/api/payment/snap/v1.0/transfer-va/notify-payment-intrabank"
NOTIFICATION = {
    "partnerServiceId": "   77777",
    "customerNo": "1234567890",
    "virtualAccountNo": "   777771234567890",
    "paymentRequestId": "9876543210",
    "trxDateTime": "2026-03-04T12:06:07+07:00",
    "additionalInfo": {"paymentAmount": "10000.00", "terminalId": "9", "bankId": "002"},
}


class Clock:
    def __init__(self) -> None:
        self.value = NOW

    def __call__(self) -> datetime:
        return self.value


@pytest.fixture(scope="module")
def briKey() -> RSAPrivateKey:
    return generatePrivateKey()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def authenticatorWith(briKey: RSAPrivateKey, tokenKeys: tuple[bytes, ...], clock: Clock) -> InboundAuthenticator:
    return InboundAuthenticator(clientId=CLIENT_ID, clientSecret=SECRET, briPublicKey=briKey.public_key(),
                                tokenKeys=tokenKeys, timestampToleranceSeconds=300, now=clock)


@pytest.fixture
def authenticator(briKey: RSAPrivateKey, clock: Clock) -> InboundAuthenticator:
    return authenticatorWith(briKey, TOKEN_KEYS, clock)


def tokenHeaders(key: RSAPrivateKey, timestamp: str | None = None, clientId: str = CLIENT_ID) -> dict[str, str]:
    stamp = timestamp or snapTimestamp(NOW)
    return {"X-CLIENT-KEY": clientId, "X-TIMESTAMP": stamp, "X-SIGNATURE": rsaTokenSignature(key, clientId, stamp)}


TOKEN_BODY = b'{"grantType":"client_credentials"}'


async def issue(authenticator: InboundAuthenticator, key: RSAPrivateKey) -> str:
    return (await authenticator.issueAccessToken(tokenHeaders(key), TOKEN_BODY)).accessToken


def notifyHeaders(token: str, body: bytes, *, secret: str = SECRET, encoding: str = "hex",
                  timestamp: str | None = None, path: str = NOTIFY_PATH) -> dict[str, str]:
    stamp = timestamp or snapTimestamp(NOW)
    signature = hmacSignature(secret, stringToSign("POST", path, token, body, stamp), encoding)  # type: ignore[arg-type]
    return {"authorization": f"Bearer {token}", "x-timestamp": stamp, "x-signature": signature,
            "x-partner-id": "77777", "channel-id": "95221", "x-external-id": "123456789"}


# The token carries its version, its expiry (the lifetime rounded up to the second) and 128 random bits, then the tag.
async def test_issuesASelfVerifyingToken(authenticator: InboundAuthenticator, briKey: RSAPrivateKey) -> None:
    issued = await authenticator.issueAccessToken(tokenHeaders(briKey), TOKEN_BODY)
    assert issued.responseBody() == {"responseCode": "2007300", "responseMessage": "Successful",
                                     "accessToken": issued.accessToken, "tokenType": "BearerToken",
                                     "expiresIn": "899"}
    version, expiry, nonce, tag = issued.accessToken.split(".")
    assert (version, int(expiry)) == ("b1", math.ceil(NOW.timestamp() + 899))
    assert (len(nonce), len(tag)) == (22, 22)
    assert await issue(authenticator, briKey) != issued.accessToken


@pytest.mark.parametrize("stamp", ["2026-03-04T12:06:07+07:00", "2026-03-04T05:06:07.890Z", "2026-03-04T05:06:07Z"])
async def test_tokenRequestAcceptsTimestampForms(authenticator: InboundAuthenticator, briKey: RSAPrivateKey,
                                                 stamp: str) -> None:
    assert (await authenticator.issueAccessToken(tokenHeaders(briKey, stamp), TOKEN_BODY)).accessToken


async def test_tokenRequestRejections(authenticator: InboundAuthenticator, briKey: RSAPrivateKey) -> None:
    with pytest.raises(InboundClientError):
        await authenticator.issueAccessToken(tokenHeaders(briKey, clientId="intruder"), TOKEN_BODY)
    forged = tokenHeaders(generatePrivateKey())
    with pytest.raises(InboundSignatureError):
        await authenticator.issueAccessToken(forged, TOKEN_BODY)
    stale = snapTimestamp(NOW - timedelta(minutes=6))
    with pytest.raises(InboundTimestampError):
        await authenticator.issueAccessToken(tokenHeaders(briKey, stale), TOKEN_BODY)
    with pytest.raises(InboundRequestError):
        await authenticator.issueAccessToken(tokenHeaders(briKey), b'{"grantType":"password"}')
    headers = tokenHeaders(briKey)
    del headers["X-SIGNATURE"]
    with pytest.raises(InboundMissingFieldError):
        await authenticator.issueAccessToken(headers, TOKEN_BODY)


@pytest.mark.parametrize("encoding", ["hex", "base64"])
async def test_notificationAcceptedInBothEncodings(authenticator: InboundAuthenticator, briKey: RSAPrivateKey,
                                                   encoding: str) -> None:
    token = await issue(authenticator, briKey)
    body = minifiedJson(NOTIFICATION)
    call = await authenticator.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH,
                                                 headers=notifyHeaders(token, body, encoding=encoding), rawBody=body)
    assert call.externalId == "123456789"
    assert call.partnerId == "77777"
    assert call.signatureKind == "hmac"


async def test_notificationSignedOverTheRawBodyNotAReserialisedCopy(
    authenticator: InboundAuthenticator, briKey: RSAPrivateKey
) -> None:
    token = await issue(authenticator, briKey)
    # BRI's bytes (pretty-printed) are what was signed; a re-serialised compact copy must not verify.
    raw = json.dumps(NOTIFICATION, indent=1).encode()
    headers = notifyHeaders(token, raw)
    await authenticator.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH, headers=headers, rawBody=raw)
    reserialised = minifiedJson(json.loads(raw))
    with pytest.raises(InboundSignatureError):
        await authenticator.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH, headers=headers,
                                              rawBody=reserialised)


async def test_notificationRejections(authenticator: InboundAuthenticator, briKey: RSAPrivateKey) -> None:
    token = await issue(authenticator, briKey)
    body = minifiedJson(NOTIFICATION)

    async def verify(headers: dict[str, str], rawBody: bytes = body, path: str = NOTIFY_PATH) -> None:
        await authenticator.verifyTransaction(method="POST", endpointPaths=path, headers=headers, rawBody=rawBody)

    with pytest.raises(InboundSignatureError):
        await verify(notifyHeaders(token, body, secret="forged-secret"))
    with pytest.raises(InboundSignatureError):
        await verify(notifyHeaders(token, body, path="/snap/v1.0/transfer-va/notify-payment-intrabank"))
    tampered = body.replace(b"10000.00", b"99999.00")
    with pytest.raises(InboundSignatureError):
        await verify(notifyHeaders(token, body), rawBody=tampered)
    with pytest.raises(InboundTokenError):
        await verify(notifyHeaders("a-token-we-never-issued", body))
    headers = notifyHeaders(token, body)
    headers["authorization"] = token
    with pytest.raises(InboundTokenError):
        await verify(headers)
    with pytest.raises(InboundTimestampError):
        await verify(notifyHeaders(token, body, timestamp=snapTimestamp(NOW - timedelta(seconds=301))))
    with pytest.raises(InboundTimestampError):
        await verify(notifyHeaders(token, body, timestamp=snapTimestamp(NOW + timedelta(minutes=10))))
    with pytest.raises(InboundTimestampError):
        await verify(notifyHeaders(token, body, timestamp="2026-03-04 12:06:07"))
    # Both candidate paths accepted when the service lists the external and internal path.
    await authenticator.verifyTransaction(method="POST", endpointPaths=["/snap/x", NOTIFY_PATH],
                                          headers=notifyHeaders(token, body), rawBody=body)


async def test_qrisNotificationAcceptsHmacOrRsa(authenticator: InboundAuthenticator, briKey: RSAPrivateKey) -> None:
    token = await issue(authenticator, briKey)
    path = "/api/payment/snap/v1.1/qr/qr-mpm-notify"
    body = b'{"originalReferenceNo":"123","latestTransactionStatus":"00"}'
    hmacCall = await authenticator.verifyQrisNotification(
        method="POST", endpointPaths=path, headers=notifyHeaders(token, body, path=path), rawBody=body)
    assert hmacCall.signatureKind == "hmac"
    stamp = snapTimestamp(NOW)
    rsaHeaders = {"Authorization": f"Bearer {token}", "X-TIMESTAMP": stamp,
                  "X-SIGNATURE": rsaTokenSignature(briKey, CLIENT_ID, stamp)}
    rsaCall = await authenticator.verifyQrisNotification(method="POST", endpointPaths=path, headers=rsaHeaders,
                                                         rawBody=body)
    assert rsaCall.signatureKind == "rsa"
    rsaHeaders["X-SIGNATURE"] = rsaTokenSignature(generatePrivateKey(), CLIENT_ID, stamp)
    with pytest.raises(InboundSignatureError):
        await authenticator.verifyQrisNotification(method="POST", endpointPaths=path, headers=rsaHeaders,
                                                   rawBody=body)
    del rsaHeaders["Authorization"]
    with pytest.raises(InboundMissingFieldError):
        await authenticator.verifyQrisNotification(method="POST", endpointPaths=path, headers=rsaHeaders,
                                                   rawBody=body)


def test_errorsMapToBriResponseCodes() -> None:
    assert snapErrorResponse("34", InboundSignatureError()) == (
        401, {"responseCode": "4013400", "responseMessage": "Unauthorized. [Signature]"})
    assert snapErrorResponse("34", InboundTokenError())[1]["responseCode"] == "4013401"
    assert snapErrorResponse("73", InboundClientError())[1]["responseCode"] == "4017300"
    assert snapErrorResponse("73", InboundTimestampError())[1]["responseCode"] == "4007301"
    assert snapErrorResponse("34", InboundMissingFieldError())[1]["responseCode"] == "4003402"
    assert snapErrorResponse("52", InboundRequestError())[1]["responseCode"] == "4005200"
    assert snapErrorResponse("34", DomainError()) == (500, {"responseCode": "5003400",
                                                            "responseMessage": "General Error"})


async def test_fromSettingsUsesInboundClientIdAndBriPublicKey(tmp_path: Path) -> None:
    generatePairs(tmp_path)
    settings = BriSettings(BRI_CLIENT_ID="merchant", BRI_CLIENT_SECRET=SECRET, BRI_INBOUND_CLIENT_ID=CLIENT_ID,
                           BRI_PUBLIC_KEY_PATH=str(tmp_path / "bri_public.pem"))  # type: ignore[call-arg]
    authenticator = InboundAuthenticator.fromSettings(settings, TOKEN_KEYS)
    briKey = loadPrivateKey(tmp_path / "bri_private.pem")
    stamp = snapTimestamp(datetime.now(UTC))
    headers = {"X-CLIENT-KEY": CLIENT_ID, "X-TIMESTAMP": stamp,
               "X-SIGNATURE": rsaTokenSignature(briKey, CLIENT_ID, stamp)}
    assert (await authenticator.issueAccessToken(headers, TOKEN_BODY)).expiresIn == 899
    assert authenticator.rsaClientIds == (CLIENT_ID, "merchant")
    with pytest.raises(BriConfigurationError):
        InboundAuthenticator.fromSettings(BriSettings(BRI_INBOUND_CLIENT_ID=""),  # type: ignore[call-arg]
                                          TOKEN_KEYS)
