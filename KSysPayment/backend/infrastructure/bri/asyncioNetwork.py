from __future__ import annotations

import asyncio
import select
import ssl
from collections.abc import Coroutine, Iterable
from typing import Any

from httpcore2 import (
    AsyncNetworkBackend,
    AsyncNetworkStream,
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
READ_LIMIT = 2**16
# Held bytes past this size are sent at once rather than at the next read.
HOLD_LIMIT = 2**16


# get_extra_info names httpcore2 asks for, as asyncio's transports call them.
EXTRA_INFO = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername", "socket": "socket"}


def reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def socketReadable(sock: Any) -> bool:
    # An idle keep-alive socket that is gone or has bytes waiting was closed or broken by the server.
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


# httpcore2's network stream on asyncio streams. Writes are held until the next read: an HTTP/1.1 request's
# head and body then leave in one send, and the server wakes once for them.
class AsyncioStream(AsyncNetworkStream):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.held: list[bytes] = []
        self.heldBytes = 0
        self.writeTimeout: float | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 (httpcore2's signature)
        await self.flush()
        try:
            async with asyncio.timeout(timeout):
                return await self.reader.read(max_bytes)
        except TimeoutError as error:
            raise ReadTimeout("timed out reading from the server") from error
        except OSError as error:
            raise ReadError(reason(error)) from error

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 (httpcore2's signature)
        if not buffer:
            return
        self.held.append(buffer)
        self.heldBytes += len(buffer)
        self.writeTimeout = timeout
        if self.heldBytes >= HOLD_LIMIT:
            await self.flush()

    async def flush(self) -> None:
        if not self.held:
            return
        data = b"".join(self.held)
        self.held.clear()
        self.heldBytes = 0
        try:
            async with asyncio.timeout(self.writeTimeout):
                self.writer.write(data)
                await self.writer.drain()
        except TimeoutError as error:
            raise WriteTimeout("timed out writing to the server") from error
        except (OSError, RuntimeError) as error:
            raise WriteError(reason(error)) from error

    async def aclose(self) -> None:
        # Not awaited to the end: a TLS shutdown with a silent peer could hold the request that closes an
        # expired connection for up to 30 s; the loop finishes the close.
        self.held.clear()
        self.writer.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's signature)
    ) -> AsyncNetworkStream:
        await self.flush()
        try:
            async with asyncio.timeout(timeout):
                await self.writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as error:
            self.writer.close()
            raise ConnectTimeout("timed out in the TLS handshake") from error
        except OSError as error:  # ssl.SSLError included
            self.writer.close()
            raise ConnectError(reason(error)) from error
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self.writer.transport.is_closing() or self.reader.at_eof() \
                or socketReadable(self.writer.get_extra_info("socket"))
        return self.writer.get_extra_info(EXTRA_INFO[info]) if info in EXTRA_INFO else None


StreamPair = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connected(opening: Coroutine[Any, Any, StreamPair], seconds: float | None) -> StreamPair:
    try:
        async with asyncio.timeout(seconds):
            return await opening
    except TimeoutError as error:
        raise ConnectTimeout("timed out connecting to the server") from error
    except OSError as error:
        raise ConnectError(reason(error)) from error


def streamWithOptions(opened: StreamPair, socketOptions: Iterable[SocketOption] | None) -> AsyncioStream:
    reader, writer = opened
    try:
        for option in socketOptions or ():
            writer.get_extra_info("socket").setsockopt(*option)
    except OSError as error:
        writer.close()
        raise ConnectError(reason(error)) from error
    return AsyncioStream(reader, writer)


# The network layer httpcore2 otherwise runs through anyio, on the running asyncio loop directly.
class AsyncioBackend(AsyncNetworkBackend):
    async def connect_tcp(
        self, host: str, port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's signature)
        local_address: str | None = None, socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        localAddr = (local_address, 0) if local_address else None
        opened = await connected(
            asyncio.open_connection(host, port, limit=READ_LIMIT, local_addr=localAddr), timeout)
        return streamWithOptions(opened, socket_options)

    async def connect_unix_socket(
        self, path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's signature)
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        opened = await connected(asyncio.open_unix_connection(path, limit=READ_LIMIT), timeout)
        return streamWithOptions(opened, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
