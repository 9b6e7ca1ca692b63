from __future__ import annotations

import json

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


def withEnvelopeErrors(spec: dict[str, object]) -> dict[str, object]:
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})  # type: ignore[union-attr]
    schemas.pop("HTTPValidationError", None)  # type: ignore[union-attr]
    schemas.pop("ValidationError", None)  # type: ignore[union-attr]
    schemas["ErrorEnvelope"] = ENVELOPE_SCHEMA  # type: ignore[index]
    text = json.dumps(spec).replace('"#/components/schemas/HTTPValidationError"', json.dumps(ENVELOPE_REF))
    return json.loads(text)


# One API group's slice of the app's OpenAPI document: its paths, under its own title.
def groupSpec(app: FastAPI, prefix: str, title: str) -> dict[str, object]:
    spec = dict(app.openapi())
    paths = spec.get("paths", {})
    spec["paths"] = {path: item for path, item in paths.items() if path.startswith(f"{prefix}/")}  # type: ignore[union-attr]
    spec["info"] = {**spec.get("info", {}), "title": title}  # type: ignore[dict-item]
    return withEnvelopeErrors(spec)


def addGroupDocs(app: FastAPI, prefix: str, title: str) -> None:
    cache: dict[str, dict[str, object]] = {}

    async def openapi() -> JSONResponse:
        if "spec" not in cache:
            cache["spec"] = groupSpec(app, prefix, title)
        return JSONResponse(cache["spec"])

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{prefix}/openapi.json", title=f"{title} docs")

    app.add_api_route(f"{prefix}/openapi.json", openapi, include_in_schema=False)
    app.add_api_route(f"{prefix}/docs", docs, include_in_schema=False)
