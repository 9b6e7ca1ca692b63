from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.support.inProcess import appClient


def publicApp() -> FastAPI:
    from public_server import app
    return app


def adminApp() -> FastAPI:
    from admin_server import app
    return app


# A 405 names every method the path serves (RFC 9110), not only the first route whose path matched.
@pytest.mark.parametrize(("build", "method", "path", "allowed"), [
    (publicApp, "PUT", "/api/payment/payments", {"GET", "POST"}),
    (publicApp, "DELETE", "/api/auth/me", {"GET", "PATCH"}),
    (publicApp, "GET", "/api/auth/login", {"POST"}),
    (adminApp, "POST", "/api/admin/settings/cors", {"GET", "PUT"}),
    (adminApp, "DELETE", "/api/admin/users/01a24dda-1262-7769-b0da-8c295abb4212", {"GET"}),
])
async def test_allowListsEveryMethodOfThePath(
    build: Callable[[], FastAPI], method: str, path: str, allowed: set[str]
) -> None:
    async with appClient(build()) as client:
        response = await client.request(method, path, headers={"X-Request-ID": "allow-check-1"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.json()["error"]["requestId"] == "allow-check-1"
