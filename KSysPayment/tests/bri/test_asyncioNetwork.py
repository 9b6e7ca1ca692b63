from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx2
import pytest
import uvloop

from KSysPayment.backend.infrastructure.bri.asyncioNetwork import AsyncioBackend, AsyncioStream
from KSysPayment.backend.infrastructure.bri.briHttpClient import briHttpClient
from KSysPayment.tests.bri.rawHttpServer import RESPONSE_BODY, RawHttpServer, rawHttpServer, tlsContexts

# BRI's HTTP client runs httpx2 on AsyncioBackend (briHttpClient.py): these tests hold it to what the anyio
# backend did (reuse, stale connections, timeouts, TLS) and to sending each request in one send.
TIMEOUT = httpx2.Timeout(2.0, connect=1.0)
BODY = b'{"partnerServiceId":"   77777","customerNo":"1234567890123","padding":"' + b"x" * 1000 + b'"}'


async def post(client: httpx2.AsyncClient, url: str) -> httpx2.Response:
    return await client.post(f"{url}/snap/v1.0/transfer-va/create-va", content=BODY,
                             headers={"Content-Type": "application/json"})


async def test_requestsRunOnAsyncioStreamsOverOneConnection() -> None:
    async with rawHttpServer(RawHttpServer()) as server, briHttpClient(TIMEOUT) as client:
        for _ in range(3):
            response = await post(client, server.url)
            assert response.status_code == 200 and response.content == RESPONSE_BODY
            assert isinstance(response.extensions["network_stream"], AsyncioStream)
    assert len(server.connections) == 1
    chunks = server.connections[0]
    assert len(chunks) == 3
    assert all(chunk.startswith(b"POST /snap/v1.0/transfer-va/create-va ") and chunk.endswith(BODY)
               for chunk in chunks)


async def test_writesAreHeldUntilTheRead() -> None:
    async with rawHttpServer(RawHttpServer()) as server:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=1.0)
        assert isinstance(stream, AsyncioStream)
        head = b"POST / HTTP/1.1\r\nHost: bri\r\nContent-Length: %d\r\n\r\n" % len(BODY)
        await stream.write(head, timeout=1.0)
        await stream.write(BODY, timeout=1.0)
        await asyncio.sleep(0.05)
        assert server.connections == [[]]
        answer = await stream.read(65536, timeout=1.0)
        await stream.aclose()
    assert answer.startswith(b"HTTP/1.1 200 OK") and answer.endswith(RESPONSE_BODY)
    assert server.connections == [[head + BODY]]


async def test_bodyPastTheHoldLimitIsSentWhole() -> None:
    body = b'{"padding":"' + b"y" * 300_000 + b'"}'
    async with rawHttpServer(RawHttpServer()) as server, briHttpClient(TIMEOUT) as client:
        response = await client.post(f"{server.url}/large", content=body)
    assert response.status_code == 200
    assert b"".join(server.connections[0]).endswith(body)


async def test_connectionClosedByTheServerIsNotReused() -> None:
    async with rawHttpServer(RawHttpServer(closeAfter=True)) as server, briHttpClient(TIMEOUT) as client:
        for _ in range(3):
            assert (await post(client, server.url)).status_code == 200
            await asyncio.sleep(0.05)  # the server's close reaches the client while the connection is idle
    assert [len(chunks) for chunks in server.connections] == [1, 1, 1]


async def test_refusedConnectionIsConnectError() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    async with briHttpClient(TIMEOUT) as client:
        with pytest.raises(httpx2.ConnectError):
            await post(client, f"http://127.0.0.1:{port}")


async def test_silentServerIsReadTimeout() -> None:
    async with rawHttpServer(RawHttpServer(silent=True)) as server, \
            briHttpClient(httpx2.Timeout(0.2, connect=1.0)) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await post(client, server.url)
    assert len(server.connections[0]) == 1  # the request itself was sent whole


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
        async with briHttpClient(TIMEOUT, trusted=trusted) as client:
            response = await post(client, server.url)
            assert response.status_code == 200 and response.content == RESPONSE_BODY
            assert response.extensions["network_stream"].get_extra_info("ssl_object") is not None
        async with briHttpClient(TIMEOUT) as client:
            with pytest.raises(httpx2.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await post(client, server.url)


async def test_socketOptionsAreApplied() -> None:
    async with rawHttpServer(RawHttpServer()) as server:
        stream = await AsyncioBackend().connect_tcp(
            "127.0.0.1", server.port, timeout=1.0, socket_options=[(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)])
        assert stream.get_extra_info("socket").getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        await stream.aclose()
