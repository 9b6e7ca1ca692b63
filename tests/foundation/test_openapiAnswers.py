from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from KSysAdmin.backend.infrastructure.http.dependencies import currentAdmin, currentSuperadmin
from shared.backend.config.settings import loadSettings
from shared.backend.exceptions.domainError import DomainError
from shared.backend.openapiDocs import groupSpec, statusOf
from shared.backend.security.currentUser import bearerUser

GROUPS = {"/api/auth": "public", "/api/payment": "public", "/api/admin": "admin"}
USER_CHECKS = {bearerUser: {401}, currentAdmin: {401, 403}, currentSuperadmin: {401, 403}}
ANONYMOUS = {("POST", "/api/auth/register"), ("POST", "/api/auth/verify-email"), ("POST", "/api/auth/login"),
             ("POST", "/api/auth/verify-email/resend"), ("POST", "/api/auth/refresh"),
             ("POST", "/api/auth/password/forgot"), ("POST", "/api/auth/password/reset"),
             ("POST", "/api/admin/auth/login")}
OptionalBearer = ("POST", "/api/auth/logout")


def appFor(prefix: str) -> FastAPI:
    if GROUPS[prefix] == "admin":
        from admin_server import createAdminApp
        return createAdminApp(loadSettings())
    from public_server import createPublicApp
    return createPublicApp(loadSettings())


def calls(dependant: Dependant) -> Iterator[object]:
    for child in dependant.dependencies:
        yield child.call
        yield from calls(child)


def groupRoutes(app: FastAPI, prefix: str) -> list[RouteContext]:
    return [route for route in iter_route_contexts(app.routes) if isinstance(route.original_route, APIRoute)
            and route.original_route.include_in_schema and (route.path_format or "").startswith(f"{prefix}/")]


# The use case classes a route runs: those its endpoint names and those its dependencies return.
def useCaseModules(route: APIRoute) -> set[str]:
    named = [route.endpoint.__globals__.get(name) for name in route.endpoint.__code__.co_names]
    for call in calls(route.dependant):
        if inspect.isfunction(call):
            named.append(call.__globals__.get(str(call.__annotations__.get("return", ""))))
    return {klass.__module__ for klass in named
            if inspect.isclass(klass) and ".backend.application." in klass.__module__}


# The DomainError classes a module constructs (raised there, or handed to a helper that raises them).
def constructedErrors(moduleName: str) -> set[type[DomainError]]:
    module = sys.modules[moduleName]
    tree = ast.parse(inspect.getsource(module))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            klass = getattr(module, node.func.id, None)
            if inspect.isclass(klass) and issubclass(klass, DomainError):
                found.add(klass)
    return found


def expectedStatuses(app: FastAPI, route: APIRoute, operation: dict[str, object]) -> set[int]:
    expected = {429, 503}
    if "requestBody" in operation:
        expected |= {413, 415, 422}
    if operation.get("parameters"):
        expected.add(422)
    for call in calls(route.dependant):
        expected |= USER_CHECKS.get(call, set())  # type: ignore[call-overload]
    for module in useCaseModules(route):
        expected |= {statusOf(error, app.state.statusTable) for error in constructedErrors(module)}
    return expected


# Each operation's document lists every status its dependencies, its use case's errors (through the service's
# status table) and the gateway can answer, each in the error envelope.
@pytest.mark.parametrize("prefix", list(GROUPS))
def test_everyAnswerAnOperationCanGiveIsDocumented(prefix: str) -> None:
    app = appFor(prefix)
    paths = groupSpec(app, prefix, "doc")["paths"]
    missing = []
    for route in groupRoutes(app, prefix):
        for method in route.methods or ():
            operation = paths[route.path_format][method.lower()]  # type: ignore[index]
            documented = {int(status) for status in operation["responses"] if status.isdigit()}
            if gap := expectedStatuses(app, route.original_route, operation) - documented:  # type: ignore[arg-type]
                missing.append(f"{method} {route.path_format}: {sorted(gap)}")
            for status in documented - {200, 201, 202, 204}:
                answer = operation["responses"][str(status)]
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
                assert answer["x-error-codes"], f"{method} {route.path_format} {status} names no code"
    assert not missing, "\n".join(missing)


def test_rateLimitedAndUnavailableAnswersSayWhenToRetry() -> None:
    responses = groupSpec(appFor("/api/auth"), "/api/auth", "doc")["paths"]["/api/auth/login"]["post"]["responses"]
    assert "Retry-After" in responses["429"]["headers"] and "Retry-After" in responses["503"]["headers"]
    assert responses["423"]["x-error-codes"] == ["account_locked"]


# The bearer token is declared (HTTPBearer, as the admin API's) on every operation that reads it, and on none
# of the anonymous ones; logout takes it or a refresh token.
@pytest.mark.parametrize("prefix", list(GROUPS))
def test_operationsNeedingATokenDeclareTheBearerScheme(prefix: str) -> None:
    document = groupSpec(appFor(prefix), prefix, "doc")
    assert document["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            key = (method.upper(), path)
            if key == OptionalBearer:
                assert operation["security"] == [{}, {"HTTPBearer": []}]
            elif key in ANONYMOUS:
                assert "security" not in operation, key
            else:
                assert operation.get("security") == [{"HTTPBearer": []}], key
