from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx2
from redis.asyncio import Redis
from sqlalchemy import text

from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.sessionStore import SessionStore, sessionKey
from shared.backend.utils.uuid import generateId

JsonObject = dict[str, object]
GROUPS = {"auth": "/api/auth", "payment": "/api/payment", "admin": "/api/admin"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
# Allowlisted anonymous operations: everything else must answer 401 to an anonymous caller.
ANONYMOUS_ALLOWED = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/verify-email"),
    ("POST", "/api/auth/verify-email/resend"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/password/forgot"),
    ("POST", "/api/auth/password/reset"),
    ("POST", "/api/admin/auth/login"),
}
# BRI inbound endpoints use their own signature auth and are hidden from the OpenAPI documents.
BRI_INBOUND = (
    "/api/payment/snap/v1.0/access-token/b2b",
    "/api/payment/snap/v1.0/transfer-va/notify-payment-intrabank",
    "/api/payment/snap/v1.1/qr/qr-mpm-notify",
)
# docs/adminApi.md: superadmin-only routes.
SUPERADMIN_ONLY = {
    ("PUT", "/api/admin/users/{userId}/roles"),
    ("GET", "/api/admin/settings/cors"),
    ("PUT", "/api/admin/settings/cors"),
    ("GET", "/api/admin/settings/rate-limits"),
    ("PUT", "/api/admin/settings/rate-limits"),
}
ROLE_IDS_SQL = "SELECT id FROM roles WHERE name = ANY(:names)"


@dataclass(frozen=True)
class Operation:
    group: str
    method: str
    path: str
    spec: JsonObject

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def pathParams(self) -> list[str]:
        params = self.spec.get("parameters", [])
        return [str(p.get("name")) for p in params if isinstance(p, dict) and p.get("in") == "path"]

    def url(self, base: str, ids: dict[str, str] | None = None) -> str:
        path = self.path
        for name in self.pathParams():
            path = path.replace("{" + name + "}", (ids or {}).get(name, str(uuid.uuid4())))
        return base + path

    def hasJsonBody(self) -> bool:
        body = self.spec.get("requestBody")
        return isinstance(body, dict) and "application/json" in str(body.get("content", {}))


def inProcessDocument(group: str) -> JsonObject:
    # Fallback when the live document is empty (see docs/proof.md: openapiDocs + FastAPI 0.165).
    if group == "admin":
        from admin_server import app
    else:
        from public_server import app
    full = app.openapi()
    prefix = GROUPS[group]
    paths = full.get("paths", {})
    kept = {path: ops for path, ops in paths.items() if path.startswith(prefix + "/")}
    return {**full, "paths": kept}


def liveDocument(gatewayUrl: str, group: str) -> JsonObject:
    response = httpx2.get(f"{gatewayUrl}{GROUPS[group]}/openapi.json", timeout=10)
    response.raise_for_status()
    document: JsonObject = response.json()
    return document


def groupDocument(gatewayUrl: str, group: str) -> JsonObject:
    document = liveDocument(gatewayUrl, group)
    return document if document.get("paths") else inProcessDocument(group)


def operationsOf(document: JsonObject, group: str) -> list[Operation]:
    found: list[Operation] = []
    paths = document.get("paths", {})
    assert isinstance(paths, dict)
    for path, ops in paths.items():
        for method, spec in ops.items():
            if method in HTTP_METHODS and isinstance(spec, dict):
                found.append(Operation(group, method.upper(), str(path), spec))
    return found


def isEnvelope(response: httpx2.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and {"code", "message", "requestId", "details"} <= set(error)


def errorCode(response: httpx2.Response) -> str | None:
    if not isEnvelope(response):
        return None
    return str(response.json()["error"]["code"])


def send(client: httpx2.Client, operation: Operation, base: str, token: str | None = None,
         ids: dict[str, str] | None = None, body: JsonObject | None = None) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if operation.key == ("POST", "/api/payment/payments"):
        headers["Idempotency-Key"] = generateId().hex
    payload = body if body is not None else ({} if operation.hasJsonBody() else None)
    return client.request(operation.method, operation.url(base, ids), headers=headers, json=payload)


@dataclass
class Account:
    userId: uuid.UUID
    email: str
    roles: list[str]
    sessionId: uuid.UUID
    userToken: str = ""
    adminToken: str = ""
    sessionIds: list[uuid.UUID] = field(default_factory=list)


class AccountFactory:
    def __init__(self, settings: Settings, database: Database, redis: Redis) -> None:
        self.settings = settings
        self.database = database
        self.redis = redis
        self.codec = JwtCodec(settings.jwt)
        self.created: list[Account] = []

    async def create(self, roles: list[str], label: str = "sec") -> Account:
        userId, sessionId = generateId(), generateId()
        email = f"{label}-{userId.hex}@example.test"
        now = datetime.now(UTC)
        async with self.database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO users (id, email, password_hash, status, email_verified_at) "
                "VALUES (:id, :email, 'not-a-hash', 'active', :now)"), {"id": userId, "email": email, "now": now})
            roleIds = (await connection.execute(text(ROLE_IDS_SQL), {"names": roles})).scalars().all()
            for roleId in roleIds:
                await connection.execute(text("INSERT INTO user_roles (user_id, role_id) VALUES (:u, :r)"),
                                         {"u": userId, "r": roleId})
        account = Account(userId, email, roles, sessionId)
        await self.addSession(account)
        account.userToken = self.token(account, self.settings.jwt.userAudience)
        account.adminToken = self.token(account, self.settings.jwt.adminAudience)
        self.created.append(account)
        return account

    async def addSession(self, account: Account, sessionId: uuid.UUID | None = None) -> uuid.UUID:
        sid = sessionId or (account.sessionId if not account.sessionIds else generateId())
        now = datetime.now(UTC)
        refreshHash = hashlib.sha256(generateId().bytes).hexdigest()
        async with self.database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO sessions (id, user_id, family_id, refresh_token_hash, idle_expires_at, "
                "absolute_expires_at) VALUES (:id, :u, :id, :h, :idle, :abs)"),
                {"id": sid, "u": account.userId, "h": refreshHash, "idle": now + timedelta(hours=1),
                 "abs": now + timedelta(days=1)})
        await SessionStore(self.redis).save(str(sid), str(account.userId), account.roles,
                                            int(time.time()) + 3600, 3600)
        account.sessionIds.append(sid)
        return sid

    def token(self, account: Account, audience: str, ttlSeconds: int = 900, sessionId: uuid.UUID | None = None) -> str:
        token, _ = self.codec.issue(subject=str(account.userId), sessionId=str(sessionId or account.sessionId),
                                    roles=account.roles, audience=audience, ttlSeconds=ttlSeconds)
        return token

    async def cleanup(self) -> None:
        ids = [account.userId for account in self.created]
        keys = [sessionKey(str(sid)) for account in self.created for sid in account.sessionIds]
        if keys:
            await self.redis.delete(*keys)
        if not ids:
            return
        async with self.database.engine.begin() as connection:
            await connection.execute(text(
                "DELETE FROM payment_events WHERE payment_id IN (SELECT id FROM payments WHERE user_id = ANY(:ids))"),
                {"ids": ids})
            await connection.execute(text("DELETE FROM payments WHERE user_id = ANY(:ids)"), {"ids": ids})
            await connection.execute(text("DELETE FROM users WHERE id = ANY(:ids)"), {"ids": ids})

    async def insertPayment(self, account: Account, status: str = "pending") -> uuid.UUID:
        paymentId = generateId()
        async with self.database.engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO payments (id, user_id, amount, method, status, idempotency_key, request_hash, "
                "partner_reference_no, expires_at) VALUES (:id, :u, 10000, 'briva', :s, :k, :h, :ref, :exp)"),
                {"id": paymentId, "u": account.userId, "s": status, "k": paymentId.hex, "h": "0" * 64,
                 "ref": paymentId.hex[:20], "exp": datetime.now(UTC) + timedelta(hours=1)})
        return paymentId

    async def scalar(self, sql: str, params: JsonObject) -> object:
        async with self.database.engine.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar()


@dataclass
class Actors:
    factory: AccountFactory
    user: Account
    otherUser: Account
    admin: Account
    superadmin: Account
