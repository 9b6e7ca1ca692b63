from __future__ import annotations

import dataclasses

import pytest

from admin_server import createAdminApp
from public_server import createPublicApp
from shared.backend.config.settings import Settings

DOC_PATHS = {"/api/auth/docs", "/api/auth/openapi.json", "/api/payment/docs", "/api/payment/openapi.json",
             "/api/admin/docs", "/api/admin/openapi.json"}


def docPaths(settings: Settings, env: str) -> set[str]:
    changed = dataclasses.replace(settings, app=settings.app.model_copy(update={"env": env}))
    routes = [*createPublicApp(changed).routes, *createAdminApp(changed).routes]
    return {getattr(route, "path", "") for route in routes} & DOC_PATHS


@pytest.mark.parametrize("env", ["development", "test"])
def test_apiDocsAreServedOutsideProduction(settings: Settings, env: str) -> None:
    assert docPaths(settings, env) == DOC_PATHS


# Swagger UI's page runs scripts from a CDN (a floating swagger-ui-dist@5, without integrity) on the gateway's
# origin, inside the refresh cookie's /api/auth path: in production no docs page and no API map are served.
def test_apiDocsAreNotServedInProduction(settings: Settings) -> None:
    assert docPaths(settings, "production") == set()
