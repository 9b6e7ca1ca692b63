from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from hypothesis import given
from hypothesis import strategies as st

from KSysPayment.backend.domain.exceptions.gatewayErrors import GATEWAY_ERRORS, GatewayBadResponseError
from KSysPayment.backend.infrastructure.bri.briClient import BriSnapClient
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient, HttpAnswer
from KSysPayment.backend.infrastructure.bri.keys import generatePrivateKey
from KSysPayment.backend.infrastructure.bri.responseCodes import RetryPolicy
from KSysPayment.backend.infrastructure.bri.tokenCache import TOKEN_PATH
from KSysPayment.tests.bri.briTestSupport import briSettings
from KSysPayment.tests.bri.fuzzStrategies import BIGINT_MAX, FUZZ, JSON_VALUES, encoded, mutatedBodies

# Fuzzes what BRI answers our calls: any status with any body, or a success whose fields are replaced by any JSON
# value. The client returns its result or raises a gateway error (GatewayBadResponseError for what it cannot
# read), nothing else.
TOKEN_ANSWER: dict[str, object] = {"responseCode": "2007300", "accessToken": "t", "tokenType": "BearerToken",
                                   "expiresIn": "899"}
VA_DATA: dict[str, object] = {
    "partnerServiceId": "   77777", "customerNo": "1234567890", "virtualAccountNo": "   777771234567890",
    "virtualAccountName": "K", "totalAmount": {"value": "10000.00", "currency": "IDR"}, "trxId": "T",
    "expiredDate": "2026-03-04T12:06:07+07:00", "paidStatus": "N", "paymentFlagStatus": "00",
    "paidAmount": {"value": "10000.00", "currency": "IDR"}, "paymentRequestId": "R", "paymentFlagReason": {},
}
ANSWERS: dict[str, dict[str, object]] = {
    "va": {"responseCode": "2002700", "responseMessage": "Successful", "virtualAccountData": VA_DATA},
    "qris": {"responseCode": "2004700", "responseMessage": "Successful", "qrContent": "000201", "referenceNo": "R",
             "latestTransactionStatus": "00", "amount": {"value": "10000.00", "currency": "IDR"},
             "additionalInfo": {"referenceNo": "R"}},
}
STATUSES = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 504])
RAW_BODIES = (st.binary(max_size=64) | JSON_VALUES.map(encoded)
              | st.sampled_from([b"[" * 100_000, b'{"responseCode":' + b"[" * 900 + b"]" * 900 + b"}"]))


class ScriptedHttp:
    # Answers the token call with `token`, every other call with `answer`.
    def __init__(self, token: HttpAnswer, answer: HttpAnswer) -> None:
        self.token = token
        self.answer = answer

    async def request(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        return self.token if url.endswith(TOKEN_PATH) else self.answer

    async def aclose(self) -> None:
        return None


@pytest.fixture(scope="module")
def merchantKey() -> RSAPrivateKey:
    return generatePrivateKey()


def clientFor(key: RSAPrivateKey, token: HttpAnswer, answer: HttpAnswer) -> BriSnapClient:
    http: BriHttpClient = ScriptedHttp(token, answer)  # type: ignore[assignment]
    return BriSnapClient(briSettings(Path("unused"), "https://bri.test"), privateKey=key, httpClient=http,
                         retryPolicy=RetryPolicy(maxAttempts=2, baseDelaySeconds=0.0, maxDelaySeconds=0.0),
                         now=lambda: datetime(2026, 3, 4, tzinfo=UTC))


def portCalls(client: BriSnapClient) -> list[Callable[[], Awaitable[object]]]:
    return [
        lambda: client.createVirtualAccount(customerNo="1234567890", name="K", amount=10000,
                                            expiresAt=datetime(2026, 3, 5, tzinfo=UTC), trxId="T", description=""),
        lambda: client.inquiryVirtualAccount(customerNo="1234567890", trxId="T"),
        lambda: client.virtualAccountStatus(customerNo="1234567890", inquiryRequestId="I"),
        lambda: client.deleteVirtualAccount(customerNo="1234567890", trxId="T"),
        lambda: client.generateQris(partnerReferenceNo="P", amount=10000),
        lambda: client.queryQris(referenceNo="R"),
    ]


async def callEach(client: BriSnapClient) -> None:
    for call in portCalls(client):
        try:
            result = await call()
        except GATEWAY_ERRORS:
            continue
        amount = getattr(result, "amount", None) or getattr(result, "paidAmount", None)
        assert amount is None or 0 <= amount <= BIGINT_MAX
        assertStorable(result)


# Every text a result carries can be stored: no NUL, valid UTF-8, identifiers short enough for their indexes.
def assertStorable(result: object) -> None:
    for field in dataclasses.fields(result) if dataclasses.is_dataclass(result) else ():
        name, value = field.name, getattr(result, field.name)
        if isinstance(value, str):
            assert "\x00" not in value, (name, value[:80])
            value.encode()  # a lone surrogate raises UnicodeEncodeError
            assert len(value) <= (1024 if name == "qrContent" else 256) or name == "description", (name, len(value))


@FUZZ
@given(body=RAW_BODIES)
def test_anyAnswerBodyIsAnObjectOrNone(body: bytes) -> None:
    data = HttpAnswer(200, body).jsonObject()
    assert data is None or isinstance(data, dict)


@FUZZ
@given(status=STATUSES, body=RAW_BODIES)
def test_anyAnswerRaisesOnlyGatewayErrors(status: int, body: bytes, merchantKey: RSAPrivateKey) -> None:
    tokenAnswer = HttpAnswer(200, encoded(TOKEN_ANSWER))
    asyncio.run(callEach(clientFor(merchantKey, tokenAnswer, HttpAnswer(status, body))))


@FUZZ
@given(kind=st.sampled_from(list(ANSWERS)), data=st.data())
def test_successesWithAnyFieldRaiseOnlyGatewayErrors(kind: str, data: st.DataObject,
                                                      merchantKey: RSAPrivateKey) -> None:
    body = data.draw(mutatedBodies(ANSWERS[kind]))
    tokenAnswer = HttpAnswer(200, encoded(TOKEN_ANSWER))
    asyncio.run(callEach(clientFor(merchantKey, tokenAnswer, HttpAnswer(200, body))))


@FUZZ
@given(status=STATUSES, body=mutatedBodies(TOKEN_ANSWER))
def test_tokenAnswersGiveAUsableTokenOrGatewayErrors(status: int, body: bytes, merchantKey: RSAPrivateKey) -> None:
    client = clientFor(merchantKey, HttpAnswer(status, body), HttpAnswer(200, b"{}"))

    async def fetch() -> None:
        try:
            token = await client.tokenCache.fetch()
        except GATEWAY_ERRORS:
            return
        assert token.value and 0 < token.expiresInSeconds <= 86_400

    asyncio.run(fetch())


# float() read these: a token kept for ever ("inf"), or fetched for every call ("nan", "-5", "0").
@pytest.mark.parametrize("expiresIn", ["nan", "inf", "-5", "0", "1e9", "٨٩٩", "899.5", None, [899], True, "9" * 5000])
async def test_tokenWithAnUnusableLifetimeIsABadResponse(expiresIn: object, merchantKey: RSAPrivateKey) -> None:
    answer = HttpAnswer(200, json.dumps({**TOKEN_ANSWER, "expiresIn": expiresIn}).encode())
    with pytest.raises(GatewayBadResponseError):
        await clientFor(merchantKey, answer, answer).tokenCache.fetch()


@pytest.mark.parametrize("expiresIn", ["899", " 899 ", 899, "86400"])
async def test_tokenLifetimeIsWholeSeconds(expiresIn: object, merchantKey: RSAPrivateKey) -> None:
    answer = HttpAnswer(200, json.dumps({**TOKEN_ANSWER, "expiresIn": expiresIn}).encode())
    assert (await clientFor(merchantKey, answer, answer).tokenCache.fetch()).expiresInSeconds == int(expiresIn)


# A text BRI answers is stored as sent: NUL, a lone surrogate or an over-long identifier failed the create's write
# (422 or 500 to the user instead of gateway_bad_response) and a reconciliation pass's event insert.
@pytest.mark.parametrize("referenceNo", ["R\x00", "R\ud800", "R" * 257])
async def test_anUnstorableReferenceIsABadResponse(referenceNo: str, merchantKey: RSAPrivateKey) -> None:
    tokenAnswer = HttpAnswer(200, encoded(TOKEN_ANSWER))
    answer = HttpAnswer(200, json.dumps({**ANSWERS["qris"], "referenceNo": referenceNo}).encode())
    with pytest.raises(GatewayBadResponseError):
        await clientFor(merchantKey, tokenAnswer, answer).generateQris(partnerReferenceNo="P", amount=10000)


# json.loads raised RecursionError past its depth, out of the transport as no gateway error.
async def test_answerNestedPastTheParsersDepthIsABadResponse(merchantKey: RSAPrivateKey) -> None:
    tokenAnswer = HttpAnswer(200, encoded(TOKEN_ANSWER))
    client = clientFor(merchantKey, tokenAnswer, HttpAnswer(200, b"[" * 100_000))
    with pytest.raises(GatewayBadResponseError) as raised:
        await client.createVirtualAccount(customerNo="1234567890", name="K", amount=10000,
                                          expiresAt=datetime(2026, 3, 5, tzinfo=UTC), trxId="T", description="")
    assert raised.value.outcomeUnknown
