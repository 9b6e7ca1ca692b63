from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse


def addGroupDocs(app: FastAPI, prefix: str, title: str) -> None:
    cache: dict[str, object] = {}

    async def openapi() -> JSONResponse:
        if "spec" not in cache:
            routes = [route for route in app.routes if getattr(route, "path", "").startswith(prefix)]
            cache["spec"] = get_openapi(title=title, version=app.version, routes=routes)
        return JSONResponse(cache["spec"])

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=f"{prefix}/openapi.json", title=f"{title} docs")

    app.add_api_route(f"{prefix}/openapi.json", openapi, include_in_schema=False)
    app.add_api_route(f"{prefix}/docs", docs, include_in_schema=False)
