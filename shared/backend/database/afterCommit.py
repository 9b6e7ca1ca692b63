from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from shared.backend.loggingFactory import getSystemLogger

logger = getSystemLogger("database")
PENDING = "kservices.afterCommit"


# Runs action once the session's current transaction commits; a rollback or close drops it. For what must
# only be said of changes that were kept, such as an audit entry's log line.
def runAfterCommit(session: AsyncSession, action: Callable[[], None]) -> None:
    session.sync_session.info.setdefault(PENDING, []).append(action)


# The data is committed by now: an action that fails is logged, and neither fails the commit nor stops the rest.
# A savepoint's release also fires after_commit: actions wait for the outermost commit (the services use no
# savepoints; one rolled back would not drop what was registered inside it).
@event.listens_for(Session, "after_commit")
def runCommitted(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for action in session.info.pop(PENDING, ()):
        try:
            action()
        except Exception as error:
            logger.error("after_commit_action_failed", "An action after a commit failed", error)


# Fires after after_commit when the transaction committed, so only what a rollback or close left is dropped.
@event.listens_for(Session, "after_transaction_end")
def dropUncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
