from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from shared.backend.exceptions.domainError import DomainError
from shared.backend.exceptions.handlers import DEFAULT_STATUS_TABLE

# What every error answer looks like (DESIGN section 5); replaces FastAPI's HTTPValidationError.
ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"
ENVELOPE_SCHEMA: dict[str, object] = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "requestId", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "requestId": {"type": ["string", "null"]},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def envelopeAnswer(description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ENVELOPE_REF}}}}


ErrorAnswers = dict[int | str, dict[str, object]]
StatusTable = Mapping[type[DomainError], int]
Call = TypeVar("Call")
# An error answer's possible error.code values, machine-readable next to its description.
CODES_KEY = "x-error-codes"
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string"}}}
STATUS_NAMES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 409: "Conflict",
                413: "Body too large (gateway)", 415: "Unsupported media type", 422: "Unprocessable",
                423: "Locked", 429: "Rate limited (gateway)", 502: "Upstream failed", 503: "Unavailable",
                504: "Upstream timed out"}
# The errors a dependency raises (the bearer check, the admin role checks): every route using it answers them.
DEPENDENCY_ERRORS: dict[object, tuple[type[DomainError], ...]] = {}


def raisesErrors(*errors: type[DomainError]) -> Callable[[Call], Call]:
    def register(call: Call) -> Call:
        DEPENDENCY_ERRORS[call] = errors
        return call
    return register


def statusOf(error: type[DomainError], table: StatusTable) -> int:
    merged = {**DEFAULT_STATUS_TABLE, **table}
    return next((merged[klass] for klass in error.__mro__ if klass in merged), 400)


def addAnswer(responses: ErrorAnswers, status: int, codes: list[str]) -> None:
    answer = responses.setdefault(str(status), {})
    known = sorted({*answer.get(CODES_KEY, []), *codes})  # type: ignore[misc]
    answer.update(envelopeAnswer(f"{STATUS_NAMES.get(status, 'Error')}: error.code is "
                                 + " or ".join(f"`{code}`" for code in known)))
    answer[CODES_KEY] = known
    if status in (429, 503):
        answer["headers"] = RETRY_AFTER


# A declared error and its subclasses, which a `raise` of the declared class's kind may be (a GatewayRejectedError
# is also gateway_not_found): they must be defined by the time the answers are built, as their modules' are.
def withSubclasses(error: type[DomainError]) -> Iterator[type[DomainError]]:
    yield error
    for subclass in error.__subclasses__():
        yield from withSubclasses(subclass)


# Adds each error's answer and its subclasses', each code at its own status from the service's table.
def addErrors(responses: ErrorAnswers, table: StatusTable, errors: tuple[type[DomainError], ...]) -> None:
    for error in errors:
        for klass in withSubclasses(error):
            addAnswer(responses, statusOf(klass, table), [klass.code])


# A route's own errors (its use case's), for `responses=`.
def errorAnswers(table: StatusTable, *errors: type[DomainError]) -> ErrorAnswers:
    responses: ErrorAnswers = {}
    addErrors(responses, table, errors)
    return {int(status): answer for status, answer in responses.items()}


def dependencyCalls(dependant: Dependant) -> Iterator[object]:
    for child in dependant.dependencies:
        yield child.call
        yield from dependencyCalls(child)


# What every operation can answer besides its own errors: the gateway's rate limit, an unavailable dependency,
# a malformed request, a body past the gateway's limit or not sent as JSON, and the errors its dependencies declare.
def addImpliedAnswers(spec: dict[str, object], routes: list[RouteContext], table: StatusTable) -> None:
    paths: dict[str, dict[str, dict[str, object]]] = spec.get("paths", {})  # type: ignore[assignment]
    for route in routes:
        for method in route.methods or ():
            operation = paths.get(route.path_format or "", {}).get(method.lower())
            if operation is None:
                continue
            responses: ErrorAnswers = operation.setdefault("responses", {})  # type: ignore[assignment]
            addAnswer(responses, 429, ["rate_limited"])
            addAnswer(responses, 503, ["service_unavailable"])
            if "requestBody" in operation:
                addAnswer(responses, 413, ["payload_too_large"])
                addAnswer(responses, 415, ["unsupported_media_type"])
            if "requestBody" in operation or operation.get("parameters"):
                addAnswer(responses, 422, ["validation_failed"])
            for call in dependencyCalls(route.original_route.dependant):  # type: ignore[attr-defined]
                addErrors(responses, table, DEPENDENCY_ERRORS.get(call, ()))


def withEnvelopeErrors(spec: dict[str, object]) -> dict[str, object]:
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})  # type: ignore[union-attr]
    schemas.pop("HTTPValidationError", None)  # type: ignore[union-attr]
    schemas.pop("ValidationError", None)  # type: ignore[union-attr]
    schemas["ErrorEnvelope"] = ENVELOPE_SCHEMA  # type: ignore[index]
    # Every operation may answer a client or server error, always in the envelope (its code says which).
    for item in spec.get("paths", {}).values():  # type: ignore[union-attr]
        for method in HTTP_METHODS:
            if method in item:
                responses = item[method].setdefault("responses", {})
                responses.setdefault("4XX", envelopeAnswer("Other client error: the JSON error envelope"))
                responses.setdefault("5XX", envelopeAnswer("Server or dependency error: the JSON error envelope"))
    text = json.dumps(spec).replace('"#/components/schemas/HTTPValidationError"', json.dumps(ENVELOPE_REF))
    return json.loads(text)


SCHEMA_REF = re.compile(r'"#/components/schemas/([^"]+)"')


# The schemas the group's paths reach, directly or through other schemas: the public server's two groups
# otherwise each listed the other's models.
def reachableSchemas(paths: object, schemas: dict[str, object]) -> dict[str, object]:
    pending = SCHEMA_REF.findall(json.dumps(paths))
    kept: dict[str, object] = {}
    while pending:
        name = pending.pop()
        if name in kept or name not in schemas:
            continue
        kept[name] = schemas[name]
        pending.extend(SCHEMA_REF.findall(json.dumps(schemas[name])))
    return {name: schemas[name] for name in schemas if name in kept}


# One API group's slice of the app's OpenAPI document: its paths and their schemas, under its own title.
def groupSpec(app: FastAPI, prefix: str, title: str) -> dict[str, object]:
    spec: dict[str, object] = json.loads(json.dumps(app.openapi()))
    paths = {path: item for path, item in spec.get("paths", {}).items() if path.startswith(f"{prefix}/")}  # type: ignore[union-attr]
    spec["paths"] = paths
    components = dict(spec.get("components", {}))  # type: ignore[call-overload]
    components["schemas"] = reachableSchemas(paths, components.get("schemas", {}))
    spec["components"] = components
    spec["info"] = {**spec.get("info", {}), "title": title}  # type: ignore[dict-item]
    # FastAPI keeps an included router as one entry: its routes with their full paths come from the contexts.
    routes = [route for route in iter_route_contexts(app.routes) if isinstance(route.original_route, APIRoute)]
    addImpliedAnswers(spec, routes, getattr(app.state, "statusTable", {}))
    return withEnvelopeErrors(spec)


# Swagger UI's page and a CSP of its own: its assets from the CDN it names, and only its one inline script
# (by hash), instead of the gateway's API policy (default-src 'none'), which would leave the page blank.
def swaggerPage(openapiUrl: str, title: str) -> tuple[bytes, str]:
    body = bytes(get_swagger_ui_html(openapi_url=openapiUrl, title=title).body)
    inline = re.findall(rb"<script>(.*?)</script>", body, re.DOTALL)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'" for script in inline)
    policy = (f"default-src 'none'; script-src https://cdn.jsdelivr.net {hashes}; "
              "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src https://fastapi.tiangolo.com data:; "
              "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    return body, policy


def addGroupDocs(app: FastAPI, prefix: str, title: str) -> None:
    cache: dict[str, dict[str, object]] = {}

    async def openapi() -> JSONResponse:
        if "spec" not in cache:
            cache["spec"] = groupSpec(app, prefix, title)
        return JSONResponse(cache["spec"])

    body, policy = swaggerPage(f"{prefix}/openapi.json", f"{title} docs")

    async def docs() -> HTMLResponse:
        return HTMLResponse(body, headers={"Content-Security-Policy": policy})

    app.add_api_route(f"{prefix}/openapi.json", openapi, include_in_schema=False)
    app.add_api_route(f"{prefix}/docs", docs, include_in_schema=False)
