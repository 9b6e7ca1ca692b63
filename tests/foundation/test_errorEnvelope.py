from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from shared.backend.config.settings import AppSettings
from shared.backend.cryptoFactory import DecryptionError
from shared.backend.exceptions.domainError import (
    ConflictError,
    DependencyUnavailableError,
    DomainError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
    UnprocessableError,
    UpstreamError,
)
from shared.backend.exceptions.handlers import installErrorHandlers
from shared.backend.loggingFactory import clearRequestContext, configureLogging
from shared.backend.middleware.requestId import RequestIdMiddleware
from tests.support.inProcess import appClient


class DuplicateEmailError(ConflictError):
    code = "duplicate_email"
    message = "This email is already registered"


class TeapotError(DomainError):
    code = "teapot"


class Body(BaseModel):
    model_config = ConfigDict(strict=True)
    amount: int
    email: str


CASES: list[tuple[type[DomainError], int, str]] = [
    (InvalidInputError, 400, "invalid_input"),
    (UnauthenticatedError, 401, "unauthenticated"),
    (PermissionDeniedError, 403, "permission_denied"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (DuplicateEmailError, 409, "duplicate_email"),
    (UnprocessableError, 422, "validation_failed"),
    (RateLimitedError, 429, "rate_limited"),
    (UpstreamError, 502, "upstream_error"),
    (DependencyUnavailableError, 503, "service_unavailable"),
    (TeapotError, 418, "teapot"),
]


def buildApp() -> FastAPI:
    app = FastAPI()
    installErrorHandlers(app, {TeapotError: 418})
    app.add_middleware(RequestIdMiddleware, slowRequestMs=250)

    @app.get("/raise/{index}")
    async def raiseDomain(index: int) -> None:
        errorClass = CASES[index][0]
        raise errorClass(details=[{"field": "x"}])

    @app.post("/body")
    async def body(payload: Body) -> dict[str, int]:
        return {"amount": payload.amount}

    @app.get("/unreadable")
    async def unreadable() -> None:
        raise DecryptionError("value was written under another Argon2id parameter set")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    async with appClient(buildApp()) as client:
        yield client


def assertEnvelope(response: httpx2.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "requestId", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["requestId"] == response.headers["X-Request-ID"]
    return error


@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[2] for c in CASES])
async def test_domainErrorsMapToStatusAndEnvelope(
    client: httpx2.AsyncClient, index: int, case: tuple[type[DomainError], int, str]
) -> None:
    _, status, code = case
    error = assertEnvelope(await client.get(f"/raise/{index}"), status, code)
    assert error["details"] == [{"field": "x"}]


async def test_validationErrorsListEveryField(client: httpx2.AsyncClient) -> None:
    response = await client.post("/body", json={"amount": "12"})
    error = assertEnvelope(response, 422, "validation_failed")
    fields = {detail["field"] for detail in error["details"]}  # type: ignore[union-attr,index]
    assert fields == {"amount", "email"}


async def test_unknownRouteAndMethodUseEnvelope(client: httpx2.AsyncClient) -> None:
    assertEnvelope(await client.get("/nowhere"), 404, "not_found")
    assertEnvelope(await client.delete("/body"), 405, "method_not_allowed")


async def test_unexpectedErrorHidesInternals(client: httpx2.AsyncClient) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "trace-abc-123"})
    error = assertEnvelope(response, 500, "internal_error")
    assert error["requestId"] == "trace-abc-123"
    assert "secret" not in response.text


async def test_malformedRequestIdIsReplaced(client: httpx2.AsyncClient) -> None:
    response = await client.get("/nowhere", headers={"X-Request-ID": "bad id\twith spaces"})
    assert response.headers["X-Request-ID"] != "bad id\twith spaces"
    assert len(response.headers["X-Request-ID"]) == 32


# A stored value no configured key opens (keys rotated without the old one, changed Argon2id settings): named, 503,
# logged at error level with the request and the reason only.
async def test_undecryptableStoredValueIsANamed503(
    client: httpx2.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configureLogging(AppSettings(APP_ENV="test", LOG_FORMAT="json", LOG_LEVEL="INFO"))  # type: ignore[call-arg]
    capsys.readouterr()
    try:
        response = await client.get("/unreadable", headers={"X-Request-ID": "unreadable-0001"})
    finally:
        clearRequestContext()
    error = assertEnvelope(response, 503, "stored_data_unreadable")
    assert error["message"] == "Stored data cannot be read at the moment"
    assert response.headers["Retry-After"] == "5"
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    [logged] = [record for record in records if record.get("label") == "stored_data_unreadable"]
    assert (logged["level"], logged["path"], logged["request_id"]) == ("error", "/unreadable", "unreadable-0001")
    assert logged["reason"] == "value was written under another Argon2id parameter set"
    assert "CRYPTO_PREVIOUS_MASTER_KEYS" in logged["message"]
    assert "exception" not in logged
