from __future__ import annotations

import json
import math
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

MAX_CONNECTIONS = 100
CONNECT_SECONDS = 3.0
KEEPALIVE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes

    # The body as a JSON object, or None when it is not one (not JSON, nested past the parser's depth, or another
    # JSON value).
    def jsonObject(self) -> dict[str, object] | None:
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        return data if isinstance(data, dict) else None


# The call may have reached the server: its outcome is unknown. The message is the name of aiohttp's error
# only: it reaches API answers and payments' failure reasons, which must not show BRI's host or our network.
class HttpCallError(Exception):
    pass


# The request was never sent: connection refused, name not resolved, TLS not verified, no connection in time.
class HttpConnectError(HttpCallError):
    pass


# The request was sent and no whole answer came within the call's timeout.
class HttpTimeoutError(HttpCallError):
    pass


# HTTP/1.1 client for BRI and its simulator on aiohttp, a keep-alive pool per instance. `timeoutSeconds`
# bounds a whole call, `connectSeconds` the wait for a pooled or new connection. Certificates are verified
# against the system's trust store unless `trusted` (a test's own CA) is given. Redirects are not followed
# and no HTTP(S)_PROXY is read from the environment: BRI calls go direct. A call is never sent twice by aiohttp:
# a connection dropped mid-call is an HttpCallError, whatever the method.
class BriHttpClient:
    def __init__(
        self, *, timeoutSeconds: float, connectSeconds: float = CONNECT_SECONDS, trusted: ssl.SSLContext | None = None,
        maxConnections: int = MAX_CONNECTIONS, keepaliveSeconds: float = KEEPALIVE_SECONDS,
    ) -> None:
        # aiohttp rounds a timeout of 5 s or more up to the loop clock's next whole second (up to 1 s late) unless
        # ceil_threshold is above it: the call ends at its timeout, not later.
        self.timeout = aiohttp.ClientTimeout(total=timeoutSeconds, connect=min(connectSeconds, timeoutSeconds),
                                             ceil_threshold=math.inf)
        self.sslContext = trusted or ssl.create_default_context()
        self.maxConnections = maxConnections
        self.keepaliveSeconds = keepaliveSeconds
        self.session: aiohttp.ClientSession | None = None

    # aiohttp binds a session to the running loop, so it is made at the first call.
    def opened(self) -> aiohttp.ClientSession:
        if self.session is None:
            connector = aiohttp.TCPConnector(limit=self.maxConnections, keepalive_timeout=self.keepaliveSeconds,
                                             ssl=self.sslContext)
            session = aiohttp.ClientSession(connector=connector, timeout=self.timeout, trust_env=False)
            # aiohttp sends a PUT or DELETE again, same headers, when its connection drops mid-call: BRI would see
            # the X-EXTERNAL-ID twice and a delete twice. Only SnapTransport retries, each time with a new id.
            # aiohttp (3.14) has no public switch: this private one is the one its own test_utils sets;
            # test_noSilentResend.py fails if a release renames it.
            session._retry_connection = False
            self.session = session
        return self.session

    async def request(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> HttpAnswer:
        try:
            async with self.opened().request(method, url, data=body, headers=headers,
                                             allow_redirects=False) as response:
                return HttpAnswer(response.status, await response.read())
        # ConnectionTimeoutError is also a TimeoutError: the connect errors are told apart first.
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
            raise HttpConnectError(type(error).__name__) from error
        except TimeoutError as error:
            raise HttpTimeoutError(type(error).__name__) from error
        except aiohttp.ClientError as error:
            raise HttpCallError(type(error).__name__) from error

    async def aclose(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None
