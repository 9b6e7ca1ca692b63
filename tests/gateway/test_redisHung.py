from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator

import httpx2
import pytest

from tests.gateway.conftest import backendAddresses
from tests.gateway.gatewayProcess import GatewayInstance, runDirectory

# A Redis that accepts connections and never answers (a hung server, or one behind a link that dropped): the
# limiter must give up after its 200 ms timeouts, not nginx's 60 s cosocket default. Debian's nginx.redis has
# no set_timeouts; its lazily generated command methods made `red.set_timeouts` look present, so the call sent
# a "set_timeouts" command on an unconnected socket and no timeout was ever set.


class SilentServer:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture(scope="module")
def hungGateway() -> Iterator[GatewayInstance]:
    silent = SilentServer()
    public, admin = backendAddresses()
    gateway = GatewayInstance(runDirectory("hung-redis"), silent.port, 0, public, admin, trustedProxies="")
    gateway.start()
    yield gateway
    gateway.stop()
    silent.close()
    shutil.rmtree(gateway.runDir, ignore_errors=True)


def test_hungRedisFailsWithinTheLimitersTimeout(hungGateway: GatewayInstance) -> None:
    with httpx2.Client(base_url=hungGateway.url, timeout=10) as client:
        started = time.monotonic()
        closed = client.post("/api/auth/login", json={})
        closedSeconds = time.monotonic() - started
        assert closed.status_code == 503
        assert closed.json()["error"]["code"] == "service_unavailable"
        assert closedSeconds < 2
        time.sleep(1.2)  # past the 1 s "Redis down" mark: the next request asks Redis again
        started = time.monotonic()
        opened = client.get("/api/payment/payments")
        assert opened.status_code == 401  # proxied: the payment group fails open
        assert time.monotonic() - started < 2
