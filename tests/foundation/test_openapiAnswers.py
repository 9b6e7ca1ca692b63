from __future__ import annotations

import ast
import inspect
import textwrap
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


# Code whose errors a route answers: the functions and classes of the services' application and domain layers.
LAYERS = (".backend.application.", ".backend.domain.")


def followed(value: object) -> bool:
    return (inspect.isfunction(value) or inspect.isclass(value)) and any(
        layer in getattr(value, "__module__", "") for layer in LAYERS)


def isDomainError(value: object) -> bool:
    return inspect.isclass(value) and issubclass(value, DomainError)


# The use case classes a route's dependencies return (the endpoint names its own in its code).
def dependencyUseCases(route: APIRoute) -> set[type]:
    returned = set()
    for call in calls(route.dependant):
        if inspect.isfunction(call):
            returned.add(call.__globals__.get(str(call.__annotations__.get("return", ""))))
    return {klass for klass in returned if followed(klass) and inspect.isclass(klass)}


# A class's own methods and those of its application and domain bases, by name (properties by their getter).
def methodsOf(klass: type) -> Iterator[tuple[str, object]]:
    for base in klass.__mro__:
        if followed(base):
            for name, value in vars(base).items():
                value = value.fget if isinstance(value, property) else getattr(value, "__func__", value)
                if inspect.isfunction(value):
                    yield name, value


# What one function's code names: the module globals it uses, the DomainError classes it constructs or raises
# (raised there, or handed to a helper that raises them) and the attribute names it reads or calls.
def namesIn(function: object) -> tuple[list[object], set[type[DomainError]], set[str]]:
    function = inspect.unwrap(function)  # type: ignore[arg-type]
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return [], set(), set()
    scope = function.__globals__  # type: ignore[attr-defined]
    used, errors, attributes = [], set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in scope:
            used.append(scope[node.id])
        elif isinstance(node, ast.Attribute):
            attributes.add(node.attr)
        target = node.func if isinstance(node, ast.Call) else node.exc if isinstance(node, ast.Raise) else None
        if isinstance(target, ast.Name) and isDomainError(scope.get(target.id)):
            errors.add(scope[target.id])
    return used, errors, attributes


# The DomainError classes a route's code constructs: its endpoint's, and, followed through the application and
# domain layers, those of every function it names and of the methods it calls (by name) of every class it names
# or its dependencies return. A use case that raises through a helper (reauthentication, the state machine) counts.
def constructedErrors(route: APIRoute) -> set[type[DomainError]]:
    classes, attributes = dependencyUseCases(route), {"__init__", "__call__", "__post_init__"}
    pending: list[object] = [route.endpoint]
    done: set[object] = set()
    errors: set[type[DomainError]] = set()
    while pending:
        function = pending.pop()
        if function in done:
            continue
        done.add(function)
        used, constructed, named = namesIn(function)
        errors |= constructed
        attributes |= named
        pending.extend(value for value in used if followed(value) and inspect.isfunction(value))
        classes |= {value for value in used if followed(value) and inspect.isclass(value) and not isDomainError(value)}
        pending.extend(method for klass in classes for name, method in methodsOf(klass) if name in attributes)
    return errors


def expectedStatuses(route: APIRoute, operation: dict[str, object]) -> set[int]:
    expected = {429, 503}
    if "requestBody" in operation:
        expected |= {413, 415, 422}
    if operation.get("parameters"):
        expected.add(422)
    for call in calls(route.dependant):
        expected |= USER_CHECKS.get(call, set())  # type: ignore[call-overload]
    return expected


# The status and code of each error the route's code constructs, through the service's status table.
def constructedAnswers(app: FastAPI, route: APIRoute) -> set[tuple[int, str]]:
    return {(statusOf(error, app.state.statusTable), error.code) for error in constructedErrors(route)}


# Each operation's document lists every status its dependencies and the gateway can answer, and every status and
# code of the errors its code constructs (through the service's status table), each in the error envelope.
@pytest.mark.parametrize("prefix", list(GROUPS))
def test_everyAnswerAnOperationCanGiveIsDocumented(prefix: str) -> None:
    app = appFor(prefix)
    paths = groupSpec(app, prefix, "doc")["paths"]
    missing = []
    for route in groupRoutes(app, prefix):
        for method in route.methods or ():
            operation = paths[route.path_format][method.lower()]  # type: ignore[index]
            documented = {int(status) for status in operation["responses"] if status.isdigit()}
            if gap := expectedStatuses(route.original_route, operation) - documented:  # type: ignore[arg-type]
                missing.append(f"{method} {route.path_format}: {sorted(gap)}")
            for status, code in sorted(constructedAnswers(app, route.original_route)):  # type: ignore[arg-type]
                if code not in operation["responses"].get(str(status), {}).get("x-error-codes", []):
                    missing.append(f"{method} {route.path_format}: {status} {code}")
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
