from __future__ import annotations

import json

import pytest
from fastapi import FastAPI

from shared.backend.config.settings import AppSettings
from shared.backend.loggingFactory import clearRequestContext, configureLogging
from shared.backend.middleware.requestId import RequestIdMiddleware
from tests.support.inProcess import runningApp


def buildApp(slowRequestMs: float) -> FastAPI:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware, slowRequestMs=slowRequestMs)

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    return app


async def requestLines(capsys: pytest.CaptureFixture[str], level: str, slowRequestMs: float,
                       path: str) -> list[dict[str, object]]:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json", LOG_LEVEL=level))  # type: ignore[call-arg]
    capsys.readouterr()
    try:
        async with runningApp(buildApp(slowRequestMs)) as client:
            await client.get(path, headers={"X-Request-ID": "request-log-0001"})
    finally:
        clearRequestContext()
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [record for record in records if record.get("label") == "http_request"]


async def test_fastSuccessfulRequestIsLoggedAtDebugOnly(capsys: pytest.CaptureFixture[str]) -> None:
    assert await requestLines(capsys, "INFO", 250, "/ok") == []
    [line] = await requestLines(capsys, "DEBUG", 250, "/ok")
    assert (line["level"], line["status"], line["request_id"]) == ("debug", 200, "request-log-0001")


async def test_failedOrSlowRequestIsLoggedAtInfo(capsys: pytest.CaptureFixture[str]) -> None:
    [missing] = await requestLines(capsys, "INFO", 250, "/missing")
    assert (missing["level"], missing["status"], missing["category"]) == ("info", 404, "Performance")
    [slow] = await requestLines(capsys, "INFO", 0, "/ok")
    assert (slow["level"], slow["status"]) == ("info", 200)
    assert isinstance(slow["duration_ms"], float)
