from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from types import UnionType
from typing import Union, get_args, get_origin

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from shared.backend.http.mediaType import isJsonContentType, refuseBodyNotJson

# Stands for a body that is not JSON: a model refuses it, so the body's validation fails after the dependencies
# ran (only bodies declared as a model, optional or not, are deferred).
UNDECODABLE = object()


def decodeFailure(error: Exception) -> dict[str, object]:
    # The field is the body (as the login's readJsonBody says), never the offset FastAPI put there ("9").
    if isinstance(error, json.JSONDecodeError):
        return {"type": "json_invalid", "loc": ("body",), "input": {}, "ctx": {"error": error.msg},
                "msg": f"JSON decode error: {error.msg} at line {error.lineno} column {error.colno}"}
    # Not UTF-8 (a compressed body too), nested past the parser's depth, or an integer past Python's digit limit.
    reason = ("not UTF-8" if isinstance(error, UnicodeDecodeError) else
              "nested too deeply" if isinstance(error, RecursionError) else "a number too long")
    return {"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {reason}", "input": {},
            "ctx": {"error": reason}}


# A body declared as a model, or as an optional one (a refresh whose token may come from the cookie instead).
def isModelBody(field: object) -> bool:
    if field is None:
        return False
    annotation = getattr(getattr(field, "field_info", None), "annotation", None)
    isUnion = get_origin(annotation) in (Union, UnionType)
    members = [member for member in get_args(annotation) if member is not type(None)] if isUnion else [annotation]
    return len(members) == 1 and isinstance(members[0], type) and issubclass(members[0], BaseModel)


class DeferredJsonRequest(Request):
    decodeError: Exception | None = None

    # FastAPI decodes a JSON type whatever its charset, and json.loads reads UTF-16 and UTF-32 bytes too: only a
    # UTF-8 type is decoded, and its bytes as UTF-8.
    async def json(self) -> object:
        if not isJsonContentType(self.headers.get("content-type")):
            return UNDECODABLE
        try:
            return json.loads((await self.body()).decode("utf-8"))
        except (ValueError, RecursionError) as error:
            self.decodeError = error
            return UNDECODABLE


# FastAPI decodes a JSON body before it solves the route's dependencies, so malformed JSON was refused with
# 422 before authentication: no 401 for a missing token, no audit of an admin's malformed change; a body
# json.loads fails on other than a JSONDecodeError was 400 bad_request. Here the decode error waits until the
# dependencies ran, then answers a json_invalid 422.
class DependenciesFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[None, None, Response]]:
        handler = super().get_route_handler()
        if not isModelBody(self.body_field):
            return handler

        async def handle(request: Request) -> Response:
            deferred = DeferredJsonRequest(request.scope, request.receive)
            try:
                return await handler(deferred)
            except RequestValidationError:
                # A body sent as another type, or without one, reached the model as bytes or UNDECODABLE: 415.
                refuseBodyNotJson(await deferred.body(), request.headers.get("content-type"))
                if deferred.decodeError is not None:
                    raise RequestValidationError([decodeFailure(deferred.decodeError)]) from None
                raise

        return handle
