from __future__ import annotations

import json
from collections.abc import Callable, Coroutine

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

# Stands for a body that is not JSON: a model refuses it, so the body's validation fails after the dependencies
# ran (only bodies declared as a model are deferred).
UNDECODABLE = object()


def decodeFailure(error: Exception) -> dict[str, object]:
    if isinstance(error, json.JSONDecodeError):
        return {"type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error", "input": {},
                "ctx": {"error": error.msg}}
    # Not UTF-8 (a compressed body too), nested past the parser's depth, or an integer past Python's digit limit.
    reason = ("not UTF-8" if isinstance(error, UnicodeDecodeError) else
              "nested too deeply" if isinstance(error, RecursionError) else "a number too long")
    return {"type": "json_invalid", "loc": ("body",), "msg": f"JSON decode error: {reason}", "input": {},
            "ctx": {"error": reason}}


class DeferredJsonRequest(Request):
    decodeError: Exception | None = None

    async def json(self) -> object:
        try:
            return await super().json()
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
        body = self.body_field
        if body is None or not (isinstance(body.field_info.annotation, type)
                                and issubclass(body.field_info.annotation, BaseModel)):
            return handler

        async def handle(request: Request) -> Response:
            deferred = DeferredJsonRequest(request.scope, request.receive)
            try:
                return await handler(deferred)
            except RequestValidationError:
                if deferred.decodeError is None:
                    raise
                raise RequestValidationError([decodeFailure(deferred.decodeError)]) from None

        return handle
