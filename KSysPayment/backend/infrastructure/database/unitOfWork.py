from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

# payments.user_id references users: the table must be in this registry's metadata.
from KSysPayment.backend.domain.models.user import User  # noqa: F401
from KSysPayment.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysPayment.backend.infrastructure.database.paymentEventRepository import PaymentEventRepository
from KSysPayment.backend.infrastructure.database.paymentRepository import PaymentRepository


# One AsyncSession = one transaction; leaving the block without commit() rolls back.
class SqlUnitOfWork:
    def __init__(self, sessionFactory: async_sessionmaker[AsyncSession]) -> None:
        self.sessionFactory = sessionFactory

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self.sessionFactory()
        self.payments = PaymentRepository(self.session)
        self.events = PaymentEventRepository(self.session)
        self.audit = AuditLogRepository(self.session)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            await self.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        # Detach first: loaded rows stay readable (rollback would expire them).
        self.session.expunge_all()
        if self.session.in_transaction():
            await self.session.rollback()


def unitOfWorkFactory(sessionFactory: async_sessionmaker[AsyncSession]) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(sessionFactory)
