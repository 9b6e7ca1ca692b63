from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from KSysPayment.backend.domain.interfaces.auditLogRepositoryInterface import AuditLogRepositoryInterface
from KSysPayment.backend.domain.interfaces.paymentEventRepositoryInterface import PaymentEventRepositoryInterface
from KSysPayment.backend.domain.interfaces.paymentRepositoryInterface import PaymentRepositoryInterface


# One database transaction: `async with factory() as uow:`; nothing persists without uow.commit().
class UnitOfWorkInterface(Protocol):
    payments: PaymentRepositoryInterface
    events: PaymentEventRepositoryInterface
    audit: AuditLogRepositoryInterface

    async def __aenter__(self) -> UnitOfWorkInterface: ...

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWorkInterface]
