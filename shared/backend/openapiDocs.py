from __future__ import annotations

import base64
import hashlib
import json
import re

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

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
                responses.setdefault("4XX", envelopeAnswer("Client error: the JSON error envelope"))
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
    spec = dict(app.openapi())
    paths = {path: item for path, item in spec.get("paths", {}).items() if path.startswith(f"{prefix}/")}  # type: ignore[union-attr]
    spec["paths"] = paths
    components = dict(spec.get("components", {}))  # type: ignore[call-overload]
    components["schemas"] = reachableSchemas(paths, components.get("schemas", {}))
    spec["components"] = components
    spec["info"] = {**spec.get("info", {}), "title": title}  # type: ignore[dict-item]
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
