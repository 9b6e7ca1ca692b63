from __future__ import annotations

import re

import aiohttp
import pytest

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayTimeoutError
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient, HttpCallError
from KSysPayment.backend.infrastructure.bri.responseCodes import RetryPolicy
from KSysPayment.backend.infrastructure.bri.snapTransport import SnapTransport
from KSysPayment.backend.infrastructure.bri.tokenCache import CachedToken, TokenCache
from KSysPayment.tests.bri.rawHttpServer import RawHttpServer, rawHttpServer

# A BRI call is sent once per attempt our transport makes, each with a new X-EXTERNAL-ID: aiohttp sends a PUT or
# DELETE again by itself, same headers, when its connection drops mid-call (RFC 9112's retry of idempotent
# methods), and BRI would then see the id twice (409xx00) and a delete-va twice.
DELETE_PATH = "/snap/v1.0/transfer-va/delete-va"
BODY = b'{"partnerServiceId":"   77777","customerNo":"1234567890123","virtualAccountNo":"   777771234567890123"}'
HEADERS = {"Content-Type": "application/json", "X-EXTERNAL-ID": "12345678901234567890123456789012"}


def externalIdsOf(server: RawHttpServer, method: bytes) -> list[bytes]:
    requests = b"".join(b"".join(chunks) for chunks in server.connections)
    return [match.group(1) for match in re.finditer(method + rb" .*?\r\nX-EXTERNAL-ID: (\d+)\r\n", requests,
                                                    re.DOTALL | re.IGNORECASE)]


# The BRI session keeps aiohttp's retry switch off; its name is private, so a renamed one fails here first.
def test_aiohttpStillHasTheResendSwitch() -> None:
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
async def test_aCallWhoseKeptAliveConnectionDropsIsSentOnceAndFails(method: str) -> None:
    # The first call's connection is kept alive; the server reads the second call whole, then closes unanswered.
    http = BriHttpClient(timeoutSeconds=2.0, connectSeconds=1.0)
    try:
        async with rawHttpServer(RawHttpServer(dropFrom=1)) as server:
            assert (await http.request("POST", f"{server.url}/first", BODY, HEADERS)).status == 200
            with pytest.raises(HttpCallError, match=r"^ServerDisconnectedError$") as failed:
                await http.request(method, f"{server.url}{DELETE_PATH}", BODY, HEADERS)
    finally:
        await http.aclose()
    assert type(failed.value) is HttpCallError  # not a connect error: the call may have been processed
    assert externalIdsOf(server, method.encode()) == [HEADERS["X-EXTERNAL-ID"].encode()]
    assert len(server.connections) == 1


async def cachedToken() -> CachedToken:
    return CachedToken("token", 899, 0.0)


async def test_aDeleteVaWhoseConnectionDropsIsSentOnceWithAnUnknownOutcome() -> None:
    http = BriHttpClient(timeoutSeconds=2.0, connectSeconds=1.0)
    try:
        async with rawHttpServer(RawHttpServer(dropFrom=1)) as server:
            transport = SnapTransport(
                httpClient=http, baseUrl=server.url, tokenCache=TokenCache(cachedToken, clock=lambda: 0.0),
                clientSecret="secret", partnerId="partner", channelId="12345", encoding="hex",
                retryPolicy=RetryPolicy(),
            )
            await transport.call("POST", "/snap/v1.0/transfer-va/inquiry-va", {}, idempotent=True)
            with pytest.raises(GatewayTimeoutError) as failed:
                await transport.call("DELETE", DELETE_PATH, {"customerNo": "1234567890123"}, idempotent=False)
    finally:
        await http.aclose()
    assert failed.value.outcomeUnknown
    assert len(externalIdsOf(server, b"DELETE")) == 1
