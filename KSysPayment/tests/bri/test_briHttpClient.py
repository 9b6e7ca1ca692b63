from __future__ import annotations

import asyncio
import contextlib
import math
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvloop

from KSysPayment.backend.infrastructure.bri.briHttpClient import (
    BriHttpClient,
    HttpAnswer,
    HttpConnectError,
    HttpTimeoutError,
)
from KSysPayment.tests.bri.rawHttpServer import RESPONSE_BODY, RawHttpServer, rawHttpServer, tlsContexts

# BRI's HTTP client (briHttpClient.py) against a raw server that records what arrives: keep-alive reuse, one
# send per request, stale connections, the two error kinds the transport tells apart, TLS, no redirects and
# no proxy from the environment.
BODY = b'{"partnerServiceId":"   77777","customerNo":"1234567890123","padding":"' + b"x" * 1000 + b'"}'
HEADERS = {"Content-Type": "application/json"}


@contextlib.asynccontextmanager
async def client(**options: object) -> AsyncIterator[BriHttpClient]:
    http = BriHttpClient(**{"timeoutSeconds": 2.0, "connectSeconds": 1.0, **options})  # type: ignore[arg-type]
    try:
        yield http
    finally:
        await http.aclose()


async def post(http: BriHttpClient, url: str) -> HttpAnswer:
    return await http.request("POST", f"{url}/snap/v1.0/transfer-va/create-va", BODY, HEADERS)


async def test_requestsShareOneConnectionAndLeaveInOneSend() -> None:
    async with rawHttpServer(RawHttpServer()) as server, client() as http:
        for _ in range(3):
            answer = await post(http, server.url)
            assert answer.status == 200 and answer.body == RESPONSE_BODY
            assert answer.jsonObject() == {"responseCode": "2002700", "responseMessage": "Successful"}
    assert len(server.connections) == 1
    chunks = server.connections[0]
    assert len(chunks) == 3
    assert all(chunk.startswith(b"POST /snap/v1.0/transfer-va/create-va ") and chunk.endswith(BODY)
               for chunk in chunks)


async def test_largeBodyIsSentWhole() -> None:
    body = b'{"padding":"' + b"y" * 300_000 + b'"}'
    async with rawHttpServer(RawHttpServer()) as server, client() as http:
        answer = await http.request("POST", f"{server.url}/large", body, HEADERS)
    assert answer.status == 200
    assert b"".join(server.connections[0]).endswith(body)


async def test_connectionClosedByTheServerIsNotReused() -> None:
    async with rawHttpServer(RawHttpServer(closeAfter=True)) as server, client() as http:
        for _ in range(3):
            assert (await post(http, server.url)).status == 200
            await asyncio.sleep(0.05)  # the server's close reaches the client while the connection is idle
    assert [len(chunks) for chunks in server.connections] == [1, 1, 1]


async def test_refusedConnectionIsConnectError() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with client() as http:
        with pytest.raises(HttpConnectError, match=r"^ClientConnectorError$"):
            await post(http, f"http://127.0.0.1:{port}")  # the message names no host or port


async def test_silentServerIsTimeoutAfterTheRequestWasSent() -> None:
    async with rawHttpServer(RawHttpServer(silent=True)) as server, client(timeoutSeconds=0.3) as http:
        with pytest.raises(HttpTimeoutError):
            await post(http, server.url)
    assert len(server.connections[0]) == 1 and server.connections[0][0].endswith(BODY)


async def test_aLongTimeoutEndsOnTimeNotAtTheClocksNextSecond() -> None:
    # Started just after a whole second of the loop's clock, where aiohttp's rounding would add ~0.95 s to 5 s.
    loop = asyncio.get_running_loop()
    await asyncio.sleep(math.ceil(loop.time()) + 0.05 - loop.time())
    async with rawHttpServer(RawHttpServer(silent=True)) as server, client(timeoutSeconds=5.0) as http:
        started = loop.time()
        with pytest.raises(HttpTimeoutError):
            await post(http, server.url)
        elapsed = loop.time() - started
    assert 5.0 <= elapsed < 5.5


async def test_noFreeConnectionInTimeIsConnectError() -> None:
    # The pool's only connection is held by an unanswered call: the next call is never sent.
    async with rawHttpServer(RawHttpServer(silent=True)) as server, \
            client(timeoutSeconds=1.5, connectSeconds=0.2, maxConnections=1) as http:
        holding = asyncio.create_task(post(http, server.url))
        await asyncio.sleep(0.1)
        with pytest.raises(HttpConnectError, match="ConnectionTimeoutError"):
            await post(http, server.url)
        with pytest.raises(HttpTimeoutError):
            await holding
    assert len(server.connections) == 1 and len(server.connections[0]) == 1


async def test_redirectIsAnsweredNotFollowed() -> None:
    moved = RawHttpServer(status=b"307 Temporary Redirect", headers=b"Location: http://127.0.0.1:9/elsewhere\r\n")
    async with rawHttpServer(moved) as server, client() as http:
        answer = await post(http, server.url)
    assert answer.status == 307 and len(server.connections) == 1


async def test_proxyFromTheEnvironmentIsIgnored(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with rawHttpServer(RawHttpServer()) as server, client() as http:
        assert (await post(http, server.url)).status == 200
    assert len(server.connections) == 1


async def test_tlsIsVerified(tmp_path: Path) -> None:
    await tlsScenario(tmp_path)


async def test_tlsAndStaleConnectionsOnUvloop(tmp_path: Path) -> None:
    # The servers run on uvloop (uvicorn's loop), whose start_tls and transports differ from asyncio's.
    def onUvloop() -> None:
        uvloop.run(tlsScenario(tmp_path))
        uvloop.run(test_connectionClosedByTheServerIsNotReused())

    await asyncio.to_thread(onUvloop)


async def tlsScenario(tmp_path: Path) -> None:
    serverContext, trusted = tlsContexts(tmp_path)
    async with rawHttpServer(RawHttpServer(), tls=serverContext) as server:
        async with client(trusted=trusted) as http:
            answer = await post(http, server.url)
            assert answer.status == 200 and answer.body == RESPONSE_BODY
        async with client() as http:
            with pytest.raises(HttpConnectError, match=r"^ClientConnectorCertificateError$") as refused:
                await post(http, server.url)
            assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value.__cause__)
        assert len(server.connections) == 1  # the refused call sent nothing over TLS
