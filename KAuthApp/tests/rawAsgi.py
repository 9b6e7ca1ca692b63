from __future__ import annotations

import json

from starlette.types import ASGIApp, Message

from KAuthApp.tests.statementLog import sqlStatements


# One POST straight through ASGI (extra headers beside the JSON body's): the answer, and the SQL statements sent before
# its last byte went out (what its time can depend on) and in all (the work after it included).
async def answerAndWork(app: ASGIApp, path: str, body: dict[str, str],
                        headers: tuple[tuple[bytes, bytes], ...] = ()) -> tuple[int, bytes, list[str], list[str]]:
    payload = json.dumps(body).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(payload)).encode()), *headers],
             "client": ("203.0.113.7", 40000), "server": ("testserver", 80)}
    status, chunks, beforeAnswer = 0, [], []

    async def receive() -> Message:
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                beforeAnswer.extend(statements)

    async with sqlStatements() as statements:
        await app(scope, receive, send)
    return status, b"".join(chunks), beforeAnswer, list(statements)
