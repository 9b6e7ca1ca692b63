from __future__ import annotations

from urllib.parse import quote

import httpx2
import pytest

from shared.backend.config.settings import Settings
from tests.security.securitySupport import (
    GROUPS,
    Actors,
    JsonObject,
    Operation,
    groupDocument,
    isEnvelope,
    operationsOf,
)

HOSTILE = [
    "' OR 1=1--",
    "'; DROP TABLE users; --",
    "a\r\nX-Injected: 1",
    "nul\x00byte",
    "\u202e\U0001f600" * 2000,
    "%00%0d%0aX-Injected:%201",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
]
# Never sent hostile values: they end the caller's session or publish gateway settings.
SKIPPED = {("POST", "/api/auth/logout"), ("POST", "/api/auth/logout-all"),
           ("PUT", "/api/admin/settings/cors"), ("PUT", "/api/admin/settings/rate-limits")}
BODY_LIMITS = {"/api/auth/login": 16 * 1024, "/api/payment/payments": 32 * 1024, "/api/admin/auth/login": 64 * 1024}


def resolve(document: JsonObject, schema: object) -> JsonObject:
    if not isinstance(schema, dict):
        return {}
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return resolve(document, document["components"]["schemas"][name])  # type: ignore[index]
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        concrete = [option for option in options if isinstance(option, dict) and option.get("type") != "null"]
        return resolve(document, concrete[0]) if concrete else {}
    return schema


def sampleValue(document: JsonObject, schema: object) -> object:
    resolved = resolve(document, schema)
    if "enum" in resolved:
        return resolved["enum"][0]  # type: ignore[index]
    kind = resolved.get("type")
    if kind == "integer":
        return 10000
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return "probe@example.test" if resolved.get("format") == "email" else "probe-value-123"


def bodySchema(document: JsonObject, op: Operation) -> JsonObject:
    content = op.spec.get("requestBody", {}).get("content", {})  # type: ignore[union-attr]
    return resolve(document, content.get("application/json", {}).get("schema"))


def stringFields(document: JsonObject, schema: JsonObject) -> list[str]:
    properties = schema.get("properties", {})
    assert isinstance(properties, dict)
    return [name for name, field in properties.items()
            if resolve(document, field).get("type") == "string" and "enum" not in resolve(document, field)]


def tokenFor(actors: Actors, group: str) -> str:
    return actors.superadmin.adminToken if group == "admin" else actors.user.userToken


def checkResponse(response: httpx2.Response, label: str, failures: list[str]) -> None:
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code} {response.text[:200]}")
    elif response.status_code >= 400 and not isEnvelope(response):
        failures.append(f"{label}: no envelope {response.status_code} {response.text[:200]}")
    if any(name.lower() == "x-injected" for name in response.headers):
        failures.append(f"{label}: injected header reflected")


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostileStringsInEveryBodyField(gatewayUrl: str, http: httpx2.Client, actors: Actors, group: str) -> None:
    document = groupDocument(gatewayUrl, group)
    failures: list[str] = []
    probed = 0
    for op in operationsOf(document, group):
        schema = bodySchema(document, op)
        if op.key in SKIPPED or not op.hasJsonBody():
            continue
        properties = schema.get("properties", {})
        assert isinstance(properties, dict)
        base = {name: sampleValue(document, field) for name, field in properties.items()}
        for field in stringFields(document, schema):
            for value in HOSTILE:
                headers = {"Authorization": f"Bearer {tokenFor(actors, group)}", "Idempotency-Key": f"h{probed}x"}
                response = http.request(op.method, op.url(gatewayUrl), json=base | {field: value}, headers=headers)
                checkResponse(response, f"{op.method} {op.path} {field}={value[:20]!r}", failures)
                probed += 1
    assert probed > 0, f"no string body field found in {group}"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostileStringsInEveryQueryParameter(gatewayUrl: str, http: httpx2.Client, actors: Actors,
                                             group: str) -> None:
    document = groupDocument(gatewayUrl, group)
    failures: list[str] = []
    probed = 0
    for op in operationsOf(document, group):
        if op.key in SKIPPED:
            continue
        for param in op.spec.get("parameters", []):  # type: ignore[union-attr]
            if param.get("in") not in ("query", "path"):
                continue
            probed += 1
            for value in HOSTILE[:4]:
                pathValue = {param["name"]: quote(value, safe="")} if param["in"] == "path" else None
                url = op.url(gatewayUrl, pathValue)
                params = {param["name"]: value} if param["in"] == "query" else None
                response = http.request(op.method, url, params=params,
                                        headers={"Authorization": f"Bearer {tokenFor(actors, group)}"})
                checkResponse(response, f"{op.method} {op.path} {param['name']}={value!r}", failures)
    assert probed > 0, f"{group} documents no query or path parameter to probe"
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", sorted(BODY_LIMITS))
def test_oversizedBodyIs413Envelope(gatewayUrl: str, http: httpx2.Client, path: str) -> None:
    payload = b'{"email": "' + b"a" * (BODY_LIMITS[path] + 1024) + b'"}'
    response = http.post(gatewayUrl + path, content=payload, headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and isEnvelope(response), response.text[:200]


@pytest.mark.parametrize(("path", "depth"), [
    ("/api/auth/login", 5000), ("/api/auth/register", 5000), ("/api/payment/payments", 10_000),
    ("/api/admin/auth/login", 10_000), ("/api/admin/users/00000000-0000-7000-8000-000000000000/roles", 10_000),
])
def test_deeplyNestedJsonIsA4xxEnvelope(gatewayUrl: str, http: httpx2.Client, actors: Actors, path: str,
                                        depth: int) -> None:
    token = actors.superadmin.adminToken if path.startswith("/api/admin/users") else actors.user.userToken
    method = "PUT" if path.endswith("/roles") else "POST"
    nested = ('{"email":' + "[" * depth + "]" * depth + "}").encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": "nested"}
    response = http.request(method, gatewayUrl + path, content=nested, headers=headers)
    assert 400 <= response.status_code < 500 and isEnvelope(response), f"{response.status_code} {response.text[:200]}"
    for name in ("public", "admin"):
        assert http.get(f"{gatewayUrl}/health/{name}").status_code == 200


def test_corsAllowsOnlyConfiguredOrigins(gatewayUrl: str, http: httpx2.Client, settings: Settings) -> None:
    configured = settings.cors.origins
    assert configured, "CORS_ORIGINS is empty in the test env"
    for path in ("/api/auth/login", "/api/payment/payments", "/api/admin/users"):
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        hostile = http.options(gatewayUrl + path, headers=preflight | {"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in hostile.headers, f"{path}: {hostile.headers}"
        plain = http.get(gatewayUrl + path, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in plain.headers
        allowed = http.options(gatewayUrl + path, headers=preflight | {"Origin": configured[0]})
        assert allowed.headers.get("access-control-allow-origin") == configured[0], f"{path}: {allowed.headers}"
