from __future__ import annotations

import httpx2
import pytest
from redis.asyncio import Redis

from KSysPayment.tests.support.paymentStack import PREFIX, createUser
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.utils.uuid import generateId

# The real stack from scripts/test.sh: gateway -> public server -> BRI simulator -> gateway -> notify.


async def gatewayUp(gatewayUrl: str) -> bool:
    try:
        async with httpx2.AsyncClient(timeout=3) as client:
            return (await client.get(f"{gatewayUrl}/health/public")).status_code == 200
    except httpx2.HTTPError:
        return False


@pytest.mark.parametrize("method", ["briva", "qris"])
async def test_payThroughGatewayAndSimulator(
    method: str, gatewayUrl: str, settings: Settings, database: Database, redisClient: Redis
) -> None:
    assert await gatewayUp(gatewayUrl), "the test stack is not running (scripts/test.sh up)"
    payer = await createUser(database, redisClient, settings)
    async with httpx2.AsyncClient(base_url=gatewayUrl, timeout=30, headers=payer.headers) as client:
        created = await client.post(f"{PREFIX}/payments", json={"amount": 12000, "method": method},
                                    headers={"Idempotency-Key": generateId().hex})
        assert created.status_code == 201, created.text
        assert created.headers.get("X-Request-ID")
        paymentId = created.json()["id"]
        paid = await client.post(f"{PREFIX}/dev/simulate-payment", json={"paymentId": paymentId})
        assert paid.status_code == 200, paid.text
        assert paid.json()["status"] == "paid"
        assert (await client.get(f"{PREFIX}/payments/{paymentId}")).json()["status"] == "paid"
