from __future__ import annotations

import socket

import pytest

from KSysPayment.backend.domain.exceptions.paymentErrors import SimulatorUnavailableError
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient
from KSysPayment.backend.infrastructure.devtools.simulatorClient import HttpSimulatorClient
from KSysPayment.tests.bri.rawHttpServer import RawHttpServer, rawHttpServer

# The development-only client of the simulator's /simulator/pay: what it sends, and a clear error when the
# simulator is down or fails.


async def pay(url: str) -> dict[str, object]:
    http = BriHttpClient(timeoutSeconds=2.0, connectSeconds=1.0)
    try:
        return await HttpSimulatorClient(url, http).pay(virtualAccountNo="   777771234", partnerReferenceNo=None,
                                                        amount=15000)
    finally:
        await http.aclose()


async def test_paySendsTheVirtualAccountAndReturnsTheAnswer() -> None:
    async with rawHttpServer(RawHttpServer()) as server:
        answer = await pay(server.url)
    assert answer == {"responseCode": "2002700", "responseMessage": "Successful"}
    request = server.connections[0][0]
    assert request.startswith(b"POST /simulator/pay ")
    assert request.endswith(b'{"amount": 15000, "virtualAccountNo": "   777771234"}')


async def test_unreachableSimulatorIsSimulatorFailed() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(SimulatorUnavailableError, match=r"unreachable: ClientConnectorError$"):
        await pay(f"http://127.0.0.1:{port}")


async def test_failingSimulatorIsSimulatorFailedWithItsAnswer() -> None:
    async with rawHttpServer(RawHttpServer(status=b"500 Internal Server Error")) as server:
        with pytest.raises(SimulatorUnavailableError, match="answered HTTP 500") as raised:
            await pay(server.url)
    assert raised.value.details == [{"simulator": '{"responseCode":"2002700","responseMessage":"Successful"}'}]
