from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Table, bindparam, func, insert, or_, select, update

from KAuthApp.backend.domain.loginSnapshot import LoginSnapshot
from KAuthApp.backend.domain.models.auditLog import AuditLog
from KAuthApp.backend.domain.models.session import Session
from KAuthApp.backend.domain.models.user import UserStatus
from KAuthApp.backend.domain.sessionRecord import SessionRecord
from KAuthApp.backend.infrastructure.database.profileQuery import ROLE_NAMES, USERS
from shared.backend.database.auditRecord import AuditRecord
from shared.backend.database.coreRows import columnNames, columnParameters, recordParameters
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement

SESSIONS: Table = Session.__table__  # type: ignore[attr-defined]
AUDIT_LOGS: Table = AuditLog.__table__  # type: ignore[attr-defined]

SNAPSHOT = DriverStatement(select(
    USERS.c.id, USERS.c.password_hash, USERS.c.status, USERS.c.email_verified_at, USERS.c.mfa_enabled,
    USERS.c.locked_until, USERS.c.deleted_at, func.array(ROLE_NAMES),
).where(USERS.c.email == bindparam("email")))


# One autocommit statement: the user row locked again and re-checked (same password hash, a password
# still suffices, not locked), its failure counters cleared if set, the session row and its audit row.
# Nothing is written unless the row still qualifies; an admin's concurrent change waits on the row lock.
def openSessionStatement() -> DriverStatement:
    eligible = (select(USERS.c.id).where(
        USERS.c.id == bindparam("user_id", type_=USERS.c.id.type),
        USERS.c.password_hash == bindparam("password_hash"),
        USERS.c.status == UserStatus.ACTIVE.value,
        USERS.c.email_verified_at.is_not(None),
        USERS.c.deleted_at.is_(None),
        USERS.c.mfa_enabled.is_(False),
        or_(USERS.c.locked_until.is_(None), USERS.c.locked_until <= bindparam("now", type_=USERS.c.locked_until.type)),
    ).with_for_update().cte("eligible"))
    cleared = (update(USERS).where(
        USERS.c.id.in_(select(eligible.c.id)),
        or_(func.cardinality(USERS.c.failed_login_times) != 0, USERS.c.locked_until.is_not(None)),
    ).values(failed_login_times=[], locked_until=None).cte("cleared"))
    sessionColumns, auditColumns = columnNames(Session), columnNames(AuditLog)
    opened = (insert(SESSIONS).from_select(
        sessionColumns, select(*columnParameters(SESSIONS, "s_", sessionColumns)).select_from(eligible),
    ).returning(SESSIONS.c.id).cte("opened"))
    audited = (insert(AUDIT_LOGS).from_select(
        auditColumns, select(*columnParameters(AUDIT_LOGS, "a_", auditColumns)).select_from(opened),
    ).cte("audited"))
    return DriverStatement(select(opened.c.id).add_cte(cleared, audited))


OPEN_SESSION = openSessionStatement()


# A login's two statements, both on the driver pool (DriverStatement).
class LoginRecords:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool

    async def snapshot(self, email: str) -> LoginSnapshot | None:
        row = await self.pool.fetchRow(SNAPSHOT, {"email": email})
        if row is None:
            return None
        userId, passwordHash, status, emailVerifiedAt, mfaEnabled, lockedUntil, deletedAt, roles = row
        return LoginSnapshot(id=userId, passwordHash=passwordHash, status=status, emailVerifiedAt=emailVerifiedAt,
                             mfaEnabled=mfaEnabled, lockedUntil=lockedUntil, deletedAt=deletedAt, roles=list(roles))

    # The new session's id, or None when the account no longer qualifies (nothing written).
    async def openSession(
        self, passwordHash: str, now: datetime, session: SessionRecord, audit: AuditRecord
    ) -> uuid.UUID | None:
        values: dict[str, object] = {
            "user_id": session.userId, "password_hash": passwordHash, "now": now,
            **recordParameters(Session, session, "s_"), **recordParameters(AuditLog, audit, "a_"),
        }
        row = await self.pool.fetchRow(OPEN_SESSION, values)
        return row[0] if row is not None else None
