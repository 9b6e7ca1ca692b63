from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx2
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import text

from KSysPayment.simulator.simulatorSettings import SimulatorSettings
from shared.backend.config.settings import BriSettings, PaymentSettings, Settings
from shared.backend.database.engine import Database
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.sessionStore import SessionStore
from shared.backend.utils.uuid import generateId

CLIENT_ID = "payment-test-client"
CLIENT_SECRET = "payment-test-secret-0123456789abcdef"
INBOUND_CLIENT_ID = "bri-payment-test"
PREFIX = "/api/payment"


def simulatorSettings(keyDir: Path, merchantUrl: str) -> SimulatorSettings:
    values: dict[str, object] = {
        "SIM_CLIENT_ID": CLIENT_ID,
        "SIM_CLIENT_SECRET": CLIENT_SECRET,
        "SIM_MERCHANT_PUBLIC_KEY_PATH": str(keyDir / "merchant_public.pem"),
        "SIM_PRIVATE_KEY_PATH": str(keyDir / "bri_private.pem"),
        "SIM_MERCHANT_BASE_URL": merchantUrl + PREFIX,
        "SIM_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
    }
    return SimulatorSettings(**values)  # type: ignore[arg-type]


def paymentSettings(settings: Settings, keyDir: Path, simulatorUrl: str, reconcileSeconds: int) -> Settings:
    briValues: dict[str, object] = {
        "BRI_BASE_URL": simulatorUrl,
        "BRI_CLIENT_ID": CLIENT_ID,
        "BRI_CLIENT_SECRET": CLIENT_SECRET,
        "BRI_PARTNER_ID": "KSERVICES01",
        "BRI_PRIVATE_KEY_PATH": str(keyDir / "merchant_private.pem"),
        "BRI_PUBLIC_KEY_PATH": str(keyDir / "bri_public.pem"),
        "BRI_QRIS_MERCHANT_ID": "000001019000014",
        "BRI_QRIS_TERMINAL_ID": "A01",
        "BRI_INBOUND_CLIENT_ID": INBOUND_CLIENT_ID,
        "BRI_TIMEOUT_SECONDS": 5,
    }
    paymentValues: dict[str, object] = {
        "PAYMENT_MIN_AMOUNT": 10000, "PAYMENT_MAX_AMOUNT": 50000000,
        "PAYMENT_RECONCILE_INTERVAL_SECONDS": reconcileSeconds,
    }
    bri = BriSettings(**briValues)  # type: ignore[arg-type]
    payment = PaymentSettings(**paymentValues)  # type: ignore[arg-type]
    return dataclasses.replace(settings, bri=bri, payment=payment)


@dataclass
class Payer:
    id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def createUser(database: Database, redis: Redis, settings: Settings) -> Payer:
    userId = generateId()
    async with database.engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO users (id, email, password_hash, status) VALUES (:id, :email, 'x', 'active')"),
            {"id": userId, "email": f"payer-{userId.hex}@example.test"},
        )
    sessionId = generateId()
    ttl = settings.jwt.accessTtlSeconds
    token, _ = JwtCodec(settings.jwt).issue(str(userId), str(sessionId), ["user"], settings.jwt.userAudience, ttl)
    await SessionStore(redis).save(str(sessionId), str(userId), ["user"], int(time.time()) + ttl, ttl)
    return Payer(userId, token)


@dataclass
class PaymentStack:
    appUrl: str
    simulatorUrl: str
    app: FastAPI
    settings: Settings
    http: httpx2.AsyncClient

    async def simulatorState(self) -> dict[str, object]:
        response = await self.http.get(f"{self.simulatorUrl}/simulator/payments")
        response.raise_for_status()
        data: dict[str, object] = response.json()
        return data

    async def pay(self, **body: object) -> dict[str, object]:
        response = await self.http.post(f"{self.simulatorUrl}/simulator/pay", json=body)
        assert response.status_code == 200, response.text
        data: dict[str, object] = response.json()
        return data

    async def create(self, user: Payer, amount: int = 15000, method: str = "briva", key: str | None = None,
                     description: str | None = "Order") -> httpx2.Response:
        headers = {**user.headers, "Idempotency-Key": key or generateId().hex}
        body = {"amount": amount, "method": method, "description": description}
        return await self.http.post(f"{self.appUrl}{PREFIX}/payments", json=body, headers=headers)

    async def get(self, user: Payer, paymentId: str) -> httpx2.Response:
        return await self.http.get(f"{self.appUrl}{PREFIX}/payments/{paymentId}", headers=user.headers)
