from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Callable

import uvloop
from fastapi import FastAPI

from bench.auth import LOGIN_ACCOUNTS, PASSWORD, prepareUsers
from bench.testStackEnv import useTestStackEnv
from shared.backend.config.settings import loadSettings

# What a login's own Python costs after a pause (docs/benchmarks.md, Auth, "a login's Python runs cold"): the
# public app called in process as ASGI, logins one after another on the test stack's PostgreSQL and Redis
# (scripts/test.sh up), main-thread CPU per login. Only the hash thread's work and the pause between logins
# change from case to case; the cases alternate, `--rounds` times.

PAUSE = 0.02


def instantVerify(passwordHash: str, password: str) -> bool:
    return True


def sleepingVerify(passwordHash: str, password: str) -> bool:
    time.sleep(PAUSE)
    return True


# case name -> (what the hash thread runs instead of Argon2id, or None for the real verify; pause between logins)
CASES: dict[str, tuple[Callable[[str, str], bool] | None, float]] = {
    "verify answers at once": (instantVerify, 0.0),
    "real Argon2id verify": (None, 0.0),
    "verify sleeps 20 ms": (sleepingVerify, 0.0),
    "verify answers at once, 20-ms pause between logins": (instantVerify, PAUSE),
}


async def post(app: FastAPI, path: str, body: bytes) -> int:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "state": {},
             "headers": [(b"host", b"bench"), (b"content-type", b"application/json"), (b"user-agent", b"bench")],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8001)}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # no disconnect while the app answers
        raise AssertionError("unreachable")

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


async def measureCase(app: FastAPI, bodies: list[bytes], case: str, logins: int) -> float:
    verify, pause = CASES[case]
    hasher = app.state.kauthHasher
    if verify is None:
        vars(hasher).pop("verifySync", None)
    else:
        hasher.verifySync = verify
    started = time.thread_time()
    for index in range(logins):
        status = await post(app, "/api/auth/login", bodies[index % len(bodies)])
        if status != 200:
            raise SystemExit(f"{case}: login answered {status}")
        if pause:
            await asyncio.sleep(pause)
    return (time.thread_time() - started) / logins * 1e6


async def probe(options: argparse.Namespace, bodies: list[bytes]) -> dict[str, list[float]]:
    from public_server import app  # built from the settings: the environment must be set first

    results: dict[str, list[float]] = {case: [] for case in CASES}
    async with app.router.lifespan_context(app):
        await measureCase(app, bodies, "verify answers at once", 100)  # warm-up: pools, caches, statements
        for _ in range(options.rounds):
            for case in CASES:
                results[case].append(await measureCase(app, bodies, case, options.logins))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU of a login's own Python, warm and after a pause")
    parser.add_argument("--logins", type=int, default=200, help="logins per case and round")
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    useTestStackEnv()
    emails, _ = prepareUsers(f"http://127.0.0.1:{loadSettings().gateway.port}", LOGIN_ACCOUNTS)
    bodies = [json.dumps({"email": email, "password": PASSWORD}).encode() for email in emails]
    # The app logs as deployed (one audit line per login), to /dev/null as in bench.auth.
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            results = uvloop.run(probe(options, bodies))
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    print(f"main-thread CPU per login, in process ({options.logins} logins per case, {options.rounds} rounds)")
    for case, values in results.items():
        perRound = " ".join(f"{value:,.0f}" for value in values)
        print(f"{case:<52}{statistics.median(values):>8,.0f} us  ({perRound})")


if __name__ == "__main__":
    main()
