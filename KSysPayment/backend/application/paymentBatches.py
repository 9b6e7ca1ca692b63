from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory, UnitOfWorkInterface
from KSysPayment.backend.domain.models.payment import Payment

Position = tuple[datetime, uuid.UUID]
BatchReader = Callable[[UnitOfWorkInterface, Position | None, int], Awaitable[list[Payment]]]


# Keyset batches of `size`, each read in a unit of work of its own, until a short batch or stopping(): a pass
# walks past payments it could not handle instead of reading them again.
async def paymentBatches(uowFactory: UnitOfWorkFactory, read: BatchReader, position: Callable[[Payment], Position],
                         size: int, stopping: Callable[[], bool]) -> AsyncIterator[list[Payment]]:
    after: Position | None = None
    while not stopping():
        async with uowFactory() as uow:
            batch = await read(uow, after, size)
        yield batch
        if len(batch) < size:
            return
        after = position(batch[-1])
