from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI


class QuietServer(uvicorn.Server):
    # Leave pytest's signal handling alone.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:
        return None


def boundSocket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def urlOf(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.asynccontextmanager
async def serving(app: FastAPI, sock: socket.socket) -> AsyncIterator[str]:
    # Real HTTP on a pre-bound socket, in this event loop, with the app's lifespan.
    server = QuietServer(uvicorn.Config(app, log_level="warning", lifespan="on", backlog=512))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during startup")
        await asyncio.sleep(0.02)
    try:
        yield urlOf(sock)
    finally:
        server.should_exit = True
        await task
        sock.close()
