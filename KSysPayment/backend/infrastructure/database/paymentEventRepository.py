from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from KSysPayment.backend.domain.models.paymentEvent import PaymentEvent
from shared.backend.database.baseRepository import BaseRepository


class PaymentEventRepository(BaseRepository[PaymentEvent]):
    model = PaymentEvent

    async def addIfNew(self, entity: PaymentEvent) -> bool:
        # ON CONFLICT DO NOTHING on the unique dedupe key: no exception, no aborted transaction.
        table = PaymentEvent.__table__  # type: ignore[attr-defined]
        statement = (
            insert(table)
            .values(id=entity.id, payment_id=entity.paymentId, kind=entity.kind, dedupe_key=entity.dedupeKey,
                    raw=entity.raw, signature_valid=entity.signatureValid, outcome=entity.outcome,
                    received_at=entity.receivedAt)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        return (await self.session.execute(statement)).first() is not None
