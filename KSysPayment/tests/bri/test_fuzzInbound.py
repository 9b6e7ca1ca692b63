from __future__ import annotations

import asyncio

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from hypothesis import given
from hypothesis import strategies as st

from KSysPayment.backend.domain.exceptions.gatewayErrors import InboundAuthError, InboundRequestError
from KSysPayment.backend.domain.paymentNotification import PaymentNotification
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundResponses import snapErrorResponse
from KSysPayment.backend.infrastructure.bri.keys import generatePrivateKey
from KSysPayment.backend.infrastructure.bri.snapAmount import parseRupiah
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    decodeSignature,
    hmacSignature,
    parseSnapTimestamp,
    rsaTokenSignature,
    snapTimestamp,
    stringToSign,
    verifyHmacSignature,
    verifyRsaTokenSignature,
)
from KSysPayment.backend.infrastructure.http.snapNotificationParser import parseQrisNotification, parseVaNotification
from KSysPayment.tests.bri.fuzzStrategies import (
    ANY_CHARACTER,
    BIGINT_MAX,
    FUZZ,
    INDEX_ROW_BYTES,
    JSON_VALUES,
    mutatedBodies,
    storable,
)
from KSysPayment.tests.bri.test_inboundAuth import (  # the same BRI client
    CLIENT_ID,
    NOTIFICATION,
    NOW,
    SECRET,
    TOKEN_KEYS,
)

# Fuzzes what BRI sends us: the notification parsers, the amount, timestamp and signature parsers, and the
# authenticator with any headers. Bad input raises the Inbound* errors (answered in SNAP's format), nothing else,
# and what a parser accepts can be stored: finite JSON, UTF-8 without NUL, amounts in bigint, dedupe keys that
# fit a btree row.
VA_BODY: dict[str, object] = {**NOTIFICATION, "paidAmount": {"value": "10000.00", "currency": "IDR"}}
QRIS_BODY: dict[str, object] = {
    "originalReferenceNo": "R-1", "originalPartnerReferenceNo": "P-1", "latestTransactionStatus": "00",
    "transactionStatusDesc": "Success", "amount": {"value": "10000.00", "currency": "IDR"},
    "customerNumber": "9360000000000001", "additionalInfo": {"terminalId": "A01"},
}
AMOUNT_TEXT = st.text(st.sampled_from("0123456789.+-eE_, \t\n\x00\u00a0\u0660\u0669\uff11\u00b2"), max_size=30)
TIMESTAMP_TEXT = st.text(st.sampled_from("0123456789-:T.Z+ zt\u0660\uff10\x00\n"), max_size=40)
SIGNATURE_TEXT = (st.text(st.sampled_from("0123456789abcdefABCDEF+/=-_ \n\t\x00\u00e9"), max_size=300)
                  | st.binary(max_size=300).map(bytes.hex) | st.text(ANY_CHARACTER, max_size=50))
HEADER_NAMES = ["X-TIMESTAMP", "X-SIGNATURE", "Authorization", "X-CLIENT-KEY", "X-EXTERNAL-ID", "X-PARTNER-ID",
                "CHANNEL-ID", "x-signature", "authorization"]
HEADER_VALUES = st.text(ANY_CHARACTER, max_size=40) | TIMESTAMP_TEXT | SIGNATURE_TEXT | st.sampled_from(
    ["Bearer", "Bearer ", "bearer x", "Bearer \x00", "2026-03-04T12:06:07+07:00", "0001-01-01T00:00:00+14:00",
     "9999-12-31T23:59:59.999999-23:59", "2026-02-30T12:06:07+07:00", "2026-03-04T24:00:00+07:00"])


def assertStorable(notification: PaymentNotification) -> None:
    assert notification.amount is not None and 0 <= notification.amount <= BIGINT_MAX
    assert storable(notification.raw)
    assert storable([notification.currency, notification.virtualAccountNo, notification.partnerReferenceNo,
                     notification.briReferenceNo])
    assert len(f"{notification.dedupeKey}:unknown_payment".encode()) < INDEX_ROW_BYTES


@FUZZ
@given(mutatedBodies(VA_BODY))
def test_vaParserRaisesOnlyInboundErrors(rawBody: bytes) -> None:
    try:
        notification = parseVaNotification(rawBody)
    except InboundRequestError as error:
        assert snapErrorResponse("34", error)[0] == 400
        return
    assertStorable(notification)


@FUZZ
@given(mutatedBodies(QRIS_BODY))
def test_qrisParserRaisesOnlyInboundErrors(rawBody: bytes) -> None:
    try:
        notification = parseQrisNotification(rawBody)
    except InboundRequestError as error:
        assert snapErrorResponse("52", error)[0] == 400
        return
    assertStorable(notification)


@FUZZ
@given(JSON_VALUES | AMOUNT_TEXT)
def test_rupiahIsANonNegativeBigintOrValueError(value: object) -> None:
    try:
        amount = parseRupiah(value)
    except ValueError:
        return
    assert isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount <= BIGINT_MAX
    if isinstance(value, str):
        assert value.strip().isascii()


@FUZZ
@given(TIMESTAMP_TEXT | st.text(ANY_CHARACTER, max_size=40)
       | st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})\Z"))
def test_timestampIsAwareOrValueError(value: str) -> None:
    try:
        parsed = parseSnapTimestamp(value)
    except ValueError:
        return
    assert parsed.tzinfo is not None


@FUZZ
@given(signature=SIGNATURE_TEXT)
def test_signatureDecodersAnswerABoolean(signature: str, briKey: RSAPrivateKey) -> None:
    assert all(isinstance(candidate, bytes) for candidate in decodeSignature(signature))
    assert verifyHmacSignature(SECRET, "POST:/x:t:e3b0:ts", signature) is False
    assert verifyRsaTokenSignature(briKey.public_key(), CLIENT_ID, "ts", signature) is False


@pytest.fixture(scope="module")
def briKey() -> RSAPrivateKey:
    return generatePrivateKey()


def authenticator(briKey: RSAPrivateKey) -> InboundAuthenticator:
    return InboundAuthenticator(clientId=CLIENT_ID, clientSecret=SECRET, briPublicKey=briKey.public_key(),
                                tokenKeys=TOKEN_KEYS, now=lambda: NOW)


async def verifyAll(auth: InboundAuthenticator, headers: dict[str, str], rawBody: bytes) -> None:
    # Each entry point with the same headers: every refusal is a SNAP answer (4xx), never another exception.
    calls = (
        lambda: auth.issueAccessToken(headers, rawBody),
        lambda: auth.verifyTransaction(method="POST", endpointPaths=("/p", "/q"), headers=headers, rawBody=rawBody),
        lambda: auth.verifyQrisNotification(method="POST", endpointPaths="/p", headers=headers, rawBody=rawBody),
    )
    for call in calls:
        try:
            await call()
        except (InboundRequestError, InboundAuthError) as error:
            assert snapErrorResponse("34", error)[0] in (400, 401)


@FUZZ
@given(headers=st.dictionaries(st.sampled_from(HEADER_NAMES), HEADER_VALUES, max_size=7),
       rawBody=st.binary(max_size=32))
def test_authenticatorRefusesAnyHeadersWithSnapErrors(headers: dict[str, str], rawBody: bytes,
                                                      briKey: RSAPrivateKey) -> None:
    asyncio.run(verifyAll(authenticator(briKey), headers, rawBody))


# With a valid token, timestamp and signature, the token request's body is fuzzed too.
@FUZZ
@given(rawBody=mutatedBodies({"grantType": "client_credentials"}), encoding=st.sampled_from(["hex", "base64"]))
def test_signedCallsWithAnyBodyRaiseOnlyInboundErrors(rawBody: bytes, encoding: str,
                                                      briKey: RSAPrivateKey) -> None:
    auth = authenticator(briKey)
    timestamp = snapTimestamp(NOW)
    tokenHeaders = {"X-CLIENT-KEY": CLIENT_ID, "X-TIMESTAMP": timestamp,
                    "X-SIGNATURE": rsaTokenSignature(briKey, CLIENT_ID, timestamp)}

    async def run() -> None:
        await verifyAll(auth, tokenHeaders, rawBody)
        issued = await auth.issueAccessToken(tokenHeaders, b'{"grantType":"client_credentials"}')
        signature = hmacSignature(SECRET, stringToSign("POST", "/p", issued.accessToken, rawBody, timestamp),
                                  "hex" if encoding == "hex" else "base64")
        headers = {"Authorization": f"Bearer {issued.accessToken}", "X-TIMESTAMP": timestamp,
                   "X-SIGNATURE": signature}
        await auth.verifyTransaction(method="POST", endpointPaths="/p", headers=headers, rawBody=rawBody)

    asyncio.run(run())
