from __future__ import annotations

import asyncio
import os
import pwd
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx2
from redis.asyncio import Redis
from sqlalchemy import select, text

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.models.role import Role, UserRole
from KSysAdmin.backend.domain.models.session import Session
from KSysAdmin.backend.domain.models.user import User, UserStatus
from shared.backend.config.settings import Settings
from shared.backend.database.engine import Database
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.passwordHasher import PasswordHasher
from shared.backend.utils.uuid import generateId

PASSWORD = "Admin-Test-Passphrase-42"
# The CLI tests run the commands as if through sudo by this user; their audit entries name it beside the real uid.
CLI_OPERATOR_ENV = {"SUDO_USER": "cli-operator", "LOGNAME": "someone-else"}
CLI_OPERATOR = {"uid": os.getuid(), "osUser": pwd.getpwuid(os.getuid()).pw_name, "sudoUser": "cli-operator",
                "host": socket.gethostname()}
HASHES: dict[str, str] = {}
FLAG_REASON = "late_payment: paid while cancelled"


@dataclass
class AdminWorld:
    settings: Settings
    database: Database
    redis: Redis
    client: httpx2.AsyncClient

    def passwordHash(self, password: str = PASSWORD) -> str:
        if password not in HASHES:
            HASHES[password] = PasswordHasher(self.settings.auth).hashSync(password)
        return HASHES[password]

    async def createUser(
        self,
        roles: tuple[str, ...] = ("user",),
        status: str = UserStatus.ACTIVE.value,
        email: str | None = None,
        createdAt: datetime | None = None,
    ) -> User:
        address = email or f"u{generateId().hex[-16:]}@example.com"
        user = User(email=address, passwordHash=self.passwordHash(), status=status, emailVerifiedAt=utcNow())
        if createdAt is not None:
            user.createdAt = createdAt
        async with self.database.sessionFactory() as session:
            session.add(user)
            await session.flush()
            roleIds = (await session.execute(select(Role.id).where(Role.name.in_(roles)))).scalars().all()
            session.add_all([UserRole(userId=user.id, roleId=roleId) for roleId in roleIds])
            await session.commit()
        return user

    async def createSessions(self, userId: uuid.UUID, count: int) -> list[uuid.UUID]:
        now = utcNow()
        ids = []
        async with self.database.sessionFactory() as session:
            for _ in range(count):
                row = Session(userId=userId, refreshTokenHash=generateId().hex + generateId().hex,
                              idleExpiresAt=now + timedelta(days=7), absoluteExpiresAt=now + timedelta(days=30))
                session.add(row)
                ids.append(row.id)
            await session.commit()
        for sessionId in ids:
            await self.redis.set(f"kauth:session:{sessionId}", f'{{"userId":"{userId}"}}', ex=3600)
        return ids

    async def getUser(self, userId: uuid.UUID) -> User:
        async with self.database.sessionFactory() as session:
            user = await session.get(User, userId)
            assert user is not None
            return user

    async def sessionRows(self, userId: uuid.UUID) -> list[Session]:
        async with self.database.sessionFactory() as session:
            return list((await session.execute(select(Session).where(Session.userId == userId))).scalars().all())

    async def auditEntries(self, action: str, targetId: uuid.UUID | str) -> list[AuditLog]:
        async with self.database.sessionFactory() as session:
            statement = (
                select(AuditLog)
                .where(AuditLog.action == action, AuditLog.targetId == str(targetId))
                .order_by(AuditLog.createdAt)
            )
            return list((await session.execute(statement)).scalars().all())

    async def login(self, user: User, password: str = PASSWORD) -> str:
        response = await self.client.post("/api/admin/auth/login", json={"email": user.email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["accessToken"])

    async def adminToken(self, superadmin: bool = False) -> tuple[User, dict[str, str]]:
        user = await self.createUser(roles=("superadmin",) if superadmin else ("admin",))
        return user, {"Authorization": f"Bearer {await self.login(user)}"}


async def seedPayment(world: AdminWorld, ownerId: uuid.UUID, reason: str | None = FLAG_REASON) -> Payment:
    payment = Payment(userId=ownerId, amount=15_000, method="qris", status="cancelled", idempotencyKey=generateId().hex,
                      requestHash="h", partnerReferenceNo=generateId().hex, expiresAt=utcNow() + timedelta(hours=1),
                      flaggedReason=reason)
    async with world.database.sessionFactory() as session:
        session.add(payment)
        await session.flush()
        session.add(PaymentEvent(paymentId=payment.id, kind="qris_notification", dedupeKey=generateId().hex,
                                 raw={"originalReferenceNo": "x"}, signatureValid=True, outcome="late"))
        await session.commit()
    return payment


async def storedPayment(world: AdminWorld, paymentId: uuid.UUID) -> Payment:
    async with world.database.sessionFactory() as session:
        payment = await session.get(Payment, paymentId)
        assert payment is not None
        return payment


# Returns once the request waits on a row or table lock (or has finished).
async def waitUntilBlocked(world: AdminWorld, request: asyncio.Task[httpx2.Response]) -> None:
    query = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND wait_event_type = 'Lock'")
    for _ in range(200):
        if request.done():
            return
        async with world.database.engine.connect() as connection:
            if (await connection.execute(query)).scalar_one() > 0:
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the request neither finished nor waited on a lock")
