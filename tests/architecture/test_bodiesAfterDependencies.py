from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from admin_server import createAdminApp
from public_server import createPublicApp
from shared.backend.config.settings import loadSettings
from shared.backend.dependenciesFirstRoute import DependenciesFirstRoute, isModelBody


# FastAPI keeps an included router as one entry that holds the router itself.
def apiRoutes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from apiRoutes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def bodiesDecodedFirst(app: FastAPI) -> list[str]:
    return [f"{sorted(route.methods)} {route.path}" for route in apiRoutes(app.routes)
            if route.body_field is not None
            and not (isinstance(route, DependenciesFirstRoute) and isModelBody(route.body_field))]


# A route whose body FastAPI decoded before its dependencies would refuse malformed JSON before the caller
# is known: 422 instead of 401 and no audit (shared/backend/dependenciesFirstRoute.py).
@pytest.mark.parametrize("factory", [createPublicApp, createAdminApp], ids=["public", "admin"])
def testEveryBodyIsDecodedAfterTheDependencies(factory: object) -> None:
    app = factory(loadSettings())  # type: ignore[operator]
    assert [route for route in apiRoutes(app.routes) if isinstance(route, DependenciesFirstRoute)]
    assert bodiesDecodedFirst(app) == []
