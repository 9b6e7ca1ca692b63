from __future__ import annotations

import httpx2
import pytest

GROUPS = {"/api/auth": "KAuthApp", "/api/payment": "KSysPayment", "/api/admin": "KSysAdmin"}
# One operation each group must document (a route that exists since its service landed).
KNOWN = {"/api/auth": "/api/auth/login", "/api/payment": "/api/payment/payments", "/api/admin": "/api/admin/auth/login"}


@pytest.mark.parametrize("prefix", list(GROUPS))
def test_eachGroupDocumentsOnlyItsOwnPaths(gatewayUrl: str, prefix: str) -> None:
    spec = httpx2.get(f"{gatewayUrl}{prefix}/openapi.json").json()
    assert spec["info"]["title"] == GROUPS[prefix]
    paths = spec["paths"]
    assert KNOWN[prefix] in paths
    assert all(path.startswith(f"{prefix}/") for path in paths)
    assert "/health" not in paths


def test_docsPagesAreServedThroughTheGateway(gatewayUrl: str) -> None:
    for prefix in GROUPS:
        page = httpx2.get(f"{gatewayUrl}{prefix}/docs")
        assert page.status_code == 200
        assert f"{prefix}/openapi.json" in page.text


def test_validationErrorsAreDocumentedAsTheEnvelope(gatewayUrl: str) -> None:
    spec = httpx2.get(f"{gatewayUrl}/api/auth/openapi.json").json()
    assert "HTTPValidationError" not in str(spec)
    login = spec["paths"]["/api/auth/login"]["post"]["responses"]["422"]
    assert login["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert spec["components"]["schemas"]["ErrorEnvelope"]["required"] == ["error"]
