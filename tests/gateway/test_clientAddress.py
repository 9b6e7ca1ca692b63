from __future__ import annotations

import uuid

import httpx2
from sqlalchemy import text

from shared.backend.database.engine import Database
from tests.gateway.gatewayProcess import GatewayInstance
from tests.gateway.test_rateLimit import freshIp


# Behind a trusted proxy (the limiter gateway trusts 127.0.0.1), the client's address is what the backends
# record and what the access log names, not the proxy's.
async def test_clientBehindTrustedProxyIsRecordedAsTheClient(
        gatewayClient: httpx2.Client, limiterGateway: GatewayInstance, database: Database) -> None:
    address, client = f"xff-{uuid.uuid4().hex[:12]}@example.com", freshIp()
    offset = limiterGateway.logOffset()
    response = gatewayClient.post("/api/auth/register", headers={"X-Forwarded-For": f"192.0.2.9, {client}"},
                                  json={"email": address, "password": f"Pw-{uuid.uuid4().hex}"})
    assert response.status_code == 202, response.text
    async with database.engine.connect() as connection:
        ips = (await connection.execute(text(
            "SELECT a.ip FROM audit_logs a JOIN users u ON a.target_id = u.id::text "
            "WHERE u.email = :email AND a.action = 'auth.register'"), {"email": address})).scalars().all()
    assert ips == [client]
    entry = limiterGateway.entriesSince(offset, "/api/auth/register", 1)[0]
    assert (entry["client_ip"], entry["remote_addr"]) == (client, "127.0.0.1")


def test_backendRedirectKeepsTheGatewayPort(gatewayClient: httpx2.Client, limiterGateway: GatewayInstance) -> None:
    response = gatewayClient.get("/api/auth/me/", headers={"X-Forwarded-For": freshIp()})
    assert response.status_code == 307
    assert response.headers["location"] == f"{limiterGateway.url}/api/auth/me"

