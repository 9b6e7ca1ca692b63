from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx2
import pytest
from fastapi import APIRouter, Body, Depends, FastAPI, Header
from pydantic import BaseModel, ConfigDict

from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute
from shared.backend.exceptions.handlers import installErrorHandlers
from shared.backend.security.currentUser import MissingTokenError
from tests.support.inProcess import appClient

JSON = {"Content-Type": "application/json"}
SIGNED_IN = {**JSON, "Authorization": "Bearer ok"}


class Change(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: str


def caller(authorization: Annotated[str | None, Header()] = None) -> str:
    if authorization != "Bearer ok":
        raise MissingTokenError()
    return "caller"


def buildApp() -> FastAPI:
    app = FastAPI()
    installErrorHandlers(app)
    router = APIRouter(route_class=DependenciesFirstRoute)

    @router.put("/change")
    async def change(data: Change, who: Annotated[str, Depends(caller)]) -> dict[str, str]:
        return {"who": who, "name": data.name}

    @router.put("/optional")
    async def optional(who: Annotated[str, Depends(caller)], data: Annotated[Change | None, Body()] = None
                       ) -> dict[str, str | None]:
        return {"who": who, "name": data.name if data else None}

    @router.put("/two")
    async def two(first: Change, second: Change, who: Annotated[str, Depends(caller)]) -> dict[str, str]:
        return {"who": who, "names": f"{first.name},{second.name}"}

    app.include_router(router)
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx2.AsyncClient]:
    async with appClient(buildApp()) as client:
        yield client


def details(response: httpx2.Response) -> list[tuple[object, ...]]:
    assert response.status_code == 422, response.text
    return [(item["field"], item["type"], item["message"]) for item in response.json()["error"]["details"]]


async def test_anUndecodableBodyWaitsForTheCaller(client: httpx2.AsyncClient) -> None:
    anonymous = await client.put("/change", content=b'{"name": ', headers=JSON)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    signedIn = await client.put("/change", content=b'{"name": ', headers=SIGNED_IN)
    assert details(signedIn) == [("body", "json_invalid", "JSON decode error: Expecting value at line 1 column 10")]
    embedded = await client.put("/two", content=b"{", headers=SIGNED_IN)
    reason = "Expecting property name enclosed in double quotes at line 1 column 2"
    assert details(embedded) == [("body", "json_invalid", f"JSON decode error: {reason}")]
    assert (await client.put("/optional", content=b"\xff", headers=JSON)).status_code == 401
    optional = await client.put("/optional", content=b"\xff", headers=SIGNED_IN)
    assert details(optional) == [("body", "json_invalid", "JSON decode error: not UTF-8")]
    assert (await client.put("/optional", headers=SIGNED_IN)).json() == {"who": "caller", "name": None}


# json.loads fails on these with other errors than JSONDecodeError, which FastAPI answered 400 bad_request.
@pytest.mark.parametrize(("body", "reason"), [
    (b'{"name": "\xff"}', "not UTF-8"),
    (b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (b'{"name": ' + b"9" * 5_000 + b"}", "a number too long"),
], ids=["notUtf8", "deep", "hugeInteger"])
async def test_everyUndecodableBodyIsAJsonError(client: httpx2.AsyncClient, body: bytes, reason: str) -> None:
    assert (await client.put("/change", content=body, headers=JSON)).status_code == 401
    response = await client.put("/change", content=body, headers=SIGNED_IN)
    assert details(response) == [("body", "json_invalid", f"JSON decode error: {reason}")]


async def test_otherBodiesAreAnsweredAsBefore(client: httpx2.AsyncClient) -> None:
    valid = await client.put("/change", json={"name": "a"}, headers=SIGNED_IN)
    assert (valid.status_code, valid.json()) == (200, {"who": "caller", "name": "a"})
    assert (await client.put("/change", json={"name": "a"})).status_code == 401
    assert details(await client.put("/change", json={"name": 1}, headers=SIGNED_IN)) == [
        ("name", "string_type", "Input should be a valid string")]
    assert [item[:2] for item in details(await client.put("/two", json={"first": {"name": "a"}},
                                                          headers=SIGNED_IN))] == [("second", "missing")]
    both = await client.put("/two", json={"first": {"name": "a"}, "second": {"name": "b"}}, headers=SIGNED_IN)
    assert both.json() == {"who": "caller", "names": "a,b"}


# A body not sent as UTF-8 JSON is 415 after the caller, as the login's readJsonBody answers: sent as another type,
# without a Content-Type (FastAPI decoded it as JSON) or in another charset (json.loads read UTF-16 too).
@pytest.mark.parametrize("headers", [{"Content-Type": "text/plain"}, {}, {"Content-Type": "multipart/form-data"},
                                     {"Content-Type": "application/json; charset=latin-1"},
                                     {"Content-Type": "application/json; charset=utf-16"}],
                         ids=["text", "none", "multipart", "latin1", "utf16"])
async def test_aBodyNotSentAsJsonIsUnsupported(client: httpx2.AsyncClient, headers: dict[str, str]) -> None:
    body = '{"name": "a"}'.encode("utf-16") if "utf-16" in str(headers) else b'{"name": "a"}'
    assert (await client.put("/change", content=body, headers=headers)).status_code == 401
    for path in ("/change", "/optional"):
        refused = await client.put(path, content=body, headers={"Authorization": "Bearer ok", **headers})
        assert refused.status_code == 415, refused.text
        error = refused.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert [(item["field"], item["type"]) for item in error["details"]] == [("body", "content_type")]


# A JSON type is read as UTF-8 only, as the login's readJsonBody reads it: a body in UTF-16 or UTF-32 (which json.loads
# detects and reads from bytes) is malformed JSON, not a change.
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
async def test_aJsonBodyInAnotherEncodingIsMalformed(client: httpx2.AsyncClient, encoding: str) -> None:
    response = await client.put("/change", content='{"name": "a"}'.encode(encoding), headers=SIGNED_IN)
    assert [item[:2] for item in details(response)] == [("body", "json_invalid")]


async def test_jsonMediaTypesAreRead(client: httpx2.AsyncClient) -> None:
    for contentType in ("application/merge-patch+json", "application/json; charset=utf-8",
                        'application/vnd.foo+json; charset="UTF-8"'):
        accepted = await client.put("/change", content=b'{"name": "a"}',
                                    headers={**SIGNED_IN, "Content-Type": contentType})
        assert accepted.status_code == 200, (contentType, accepted.text)
    text = {"Content-Type": "text/plain"}
    assert (await client.put("/optional", headers={**SIGNED_IN, **text})).json() == {"who": "caller", "name": None}
