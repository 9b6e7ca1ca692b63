from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field

from shared.backend.exceptions.handlers import installErrorHandlers
from shared.backend.http.mediaType import isJsonContentType
from shared.backend.jsonBody import jsonBodyDoc, readJsonBody
from shared.backend.middleware.requestId import RequestIdMiddleware
from shared.backend.openapiDocs import withEnvelopeErrors
from tests.support.inProcess import appClient


class Credentials(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    email: str = Field(min_length=1)
    password: str = Field(min_length=1)


class Nested(BaseModel):
    inner: Credentials


def buildApp() -> FastAPI:
    app = FastAPI()
    installErrorHandlers(app)
    app.add_middleware(RequestIdMiddleware, slowRequestMs=250)

    @app.post("/raw", openapi_extra=jsonBodyDoc(Credentials))
    async def raw(request: Request) -> dict[str, str]:
        return {"email": (await readJsonBody(request, Credentials)).email}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    async with appClient(buildApp()) as client:
        yield client


def failure(response: httpx2.Response) -> list[dict[str, str]]:
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    return error["details"]


async def test_aValidBodyIsTheModel(client: httpx2.AsyncClient) -> None:
    response = await client.post("/raw", json={"email": "a@b.example", "password": "pw"})
    assert response.status_code == 200
    assert response.json() == {"email": "a@b.example"}
    suffixed = await client.post("/raw", content=b'{"email": "x", "password": "y"}',
                                 headers={"Content-Type": "application/merge-patch+json; charset=utf-8"})
    assert suffixed.status_code == 200


async def test_everyBadFieldIsNamedUnderBodyAndNoInputIsEchoed(client: httpx2.AsyncClient) -> None:
    details = failure(await client.post("/raw", json={"email": "", "password": 123456, "admin": True}))
    assert {detail["field"] for detail in details} == {"email", "password", "admin"}
    assert {detail["location"] for detail in details} == {"body"}
    missing = failure(await client.post("/raw", json={"email": "a@b.example"}))
    assert [(detail["field"], detail["type"]) for detail in missing] == [("password", "missing")]
    assert "123456" not in str(details)


@pytest.mark.parametrize("content", [b"{not json", b"", b"[1, 2]", b'"text"'])
async def test_malformedJsonIsA422Envelope(client: httpx2.AsyncClient, content: bytes) -> None:
    details = failure(await client.post("/raw", content=content, headers={"Content-Type": "application/json"}))
    assert details and all(detail["location"] == "body" for detail in details)


NOT_JSON = [{}, {"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"},
            {"Content-Type": "application/json; charset=iso-8859-1"}]


@pytest.mark.parametrize("headers", NOT_JSON)
async def test_aBodyThatIsNotDeclaredJsonIsRefused(client: httpx2.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.post("/raw", content=b'{"email": "x", "password": "y"}', headers=headers)
    assert response.status_code == 415, response.text
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert [detail["type"] for detail in error["details"]] == ["content_type"]


def test_contentTypesRecognisedAsJson() -> None:
    assert isJsonContentType("application/json")
    assert isJsonContentType("Application/JSON; charset=utf-8")
    assert isJsonContentType('application/json; charset="UTF-8"')
    assert isJsonContentType("application/problem+json")
    assert not isJsonContentType(None)
    assert not isJsonContentType("text/json+plain")
    assert not isJsonContentType("application/jsonp")
    assert not isJsonContentType("application/json; charset=latin-1")
    assert not isJsonContentType("application/vnd.foo+json;charset=utf-16")


def test_theOpenApiDocumentsTheBodyAndTheEnvelope() -> None:
    spec = withEnvelopeErrors(buildApp().openapi())
    operation = spec["paths"]["/raw"]["post"]  # type: ignore[index]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert operation["requestBody"]["required"] is True
    assert schema["required"] == ["email", "password"]
    assert schema["additionalProperties"] is False
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == envelope
    # Every other error answer is described too, by status class.
    for statusClass in ("4XX", "5XX"):
        assert operation["responses"][statusClass]["content"]["application/json"]["schema"] == envelope


def test_nestedModelsAreRefusedForTheDocs() -> None:
    with pytest.raises(ValueError, match="flat models only"):
        jsonBodyDoc(Nested)
