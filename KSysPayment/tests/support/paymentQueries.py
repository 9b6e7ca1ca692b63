from __future__ import annotations

from sqlalchemy import text

from shared.backend.database.engine import Database


async def eventOutcomes(database: Database, paymentId: str) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT outcome FROM payment_events WHERE payment_id = :id ORDER BY received_at, id"),
            {"id": paymentId},
        )
        return [str(value) for value in rows.scalars().all()]


async def eventRaws(database: Database, paymentId: str) -> list[dict[str, object]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT raw FROM payment_events WHERE payment_id = :id ORDER BY received_at, id"), {"id": paymentId})
        return [dict(value) for value in rows.scalars().all()]


async def auditActions(database: Database, paymentId: str) -> list[str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT action FROM audit_logs WHERE target_type = 'payment' AND target_id = :id "
                 "ORDER BY created_at, id"),
            {"id": paymentId},
        )
        return [str(value) for value in rows.scalars().all()]


async def storedPayment(database: Database, paymentId: str) -> dict[str, object]:
    async with database.engine.connect() as connection:
        row = (await connection.execute(text("SELECT * FROM payments WHERE id = :id"), {"id": paymentId})).mappings()
        return dict(row.one())


async def execute(database: Database, statement: str, **values: object) -> None:
    async with database.engine.begin() as connection:
        await connection.execute(text(statement), values)


async def auditRowsOf(database: Database, requestId: str) -> list[dict[str, object]]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT * FROM audit_logs WHERE request_id = :requestId ORDER BY created_at, id"),
            {"requestId": requestId})
        return [dict(row) for row in rows.mappings()]
