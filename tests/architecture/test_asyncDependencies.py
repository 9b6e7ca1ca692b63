from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from admin_server import createAdminApp
from public_server import createPublicApp
from shared.backend.config.settings import loadSettings


def dependants(dependant: Dependant) -> Iterator[Dependant]:
    for child in dependant.dependencies:
        yield child
        yield from dependants(child)


def isAsync(call: object) -> bool:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    method = getattr(call, "__call__", None)  # noqa: B004 - dependency objects such as HTTPBearer
    return not inspect.isfunction(call) and inspect.iscoroutinefunction(method)


def syncDependencies(app: FastAPI) -> list[str]:
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for dependant in dependants(route.dependant):
            if dependant.call is not None and not isAsync(dependant.call):
                found.append(f"{route.path}: {getattr(dependant.call, '__qualname__', dependant.call)}")
    return found


# FastAPI runs a sync dependency in its thread pool: a thread hop on every request that uses it.
@pytest.mark.parametrize("factory", [createPublicApp, createAdminApp], ids=["public", "admin"])
def testEveryRouteDependencyIsAsync(factory: object) -> None:
    app = factory(loadSettings())  # type: ignore[operator]
    assert syncDependencies(app) == []


def testTheCheckFindsASyncDependency() -> None:
    from fastapi import Depends

    def plain() -> int:
        return 1

    app = FastAPI()

    @app.get("/probe")
    async def probe(value: int = Depends(plain)) -> int:
        return value

    assert syncDependencies(app) == ["/probe: testTheCheckFindsASyncDependency.<locals>.plain"]
