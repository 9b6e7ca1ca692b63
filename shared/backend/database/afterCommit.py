from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

PENDING = "kservices.afterCommit"


# Runs action once the session's current transaction commits; a rollback or close drops it. For what must
# only be said of changes that were kept, such as an audit entry's log line.
def runAfterCommit(session: AsyncSession, action: Callable[[], None]) -> None:
    session.sync_session.info.setdefault(PENDING, []).append(action)


@event.listens_for(Session, "after_commit")
def runCommitted(session: Session) -> None:
    for action in session.info.pop(PENDING, ()):
        action()


# Fires after after_commit when the transaction committed, so only what a rollback or close left is dropped.
@event.listens_for(Session, "after_transaction_end")
def dropUncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
