from __future__ import annotations

import ssl

import httpcore2
import httpx2

from KSysPayment.backend.infrastructure.bri.asyncioNetwork import AsyncioBackend

# httpx2's own defaults for the pool.
POOL_LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


# httpx2's transport with its connection pool on AsyncioBackend (httpx2 takes no network backend, so the pool
# it builds is replaced by the same pool built with one). Errors map to httpx2's exceptions as before.
class AsyncioTransport(httpx2.AsyncHTTPTransport):
    def __init__(self, *, trusted: ssl.SSLContext | None = None, limits: httpx2.Limits = POOL_LIMITS) -> None:
        verify: ssl.SSLContext | bool = trusted or True
        super().__init__(verify=verify, limits=limits)
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(verify=verify), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )


# BRI's client. Certificates are verified as httpx2 does by default unless `trusted` (a test's own CA) is given;
# with a transport of its own, httpx2 reads no HTTP(S)_PROXY from the environment: BRI calls go direct.
def briHttpClient(timeout: httpx2.Timeout, *, trusted: ssl.SSLContext | None = None) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(timeout=timeout, transport=AsyncioTransport(trusted=trusted))
