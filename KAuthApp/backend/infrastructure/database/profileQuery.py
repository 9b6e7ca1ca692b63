from __future__ import annotations

import uuid

import asyncpg
import sqlalchemy.exc
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from KAuthApp.backend.domain.models.role import Role, UserRole
from KAuthApp.backend.domain.models.user import User, UserStatus
from KAuthApp.backend.domain.userProfile import UserProfile

USERS: Table = User.__table__  # type: ignore[attr-defined]
ROLES: Table = Role.__table__  # type: ignore[attr-defined]
USER_ROLES: Table = UserRole.__table__  # type: ignore[attr-defined]

# The user's profile columns and its role names (ARRAY of a correlated subquery, empty without roles) in
# one statement. A soft-deleted, locked or disabled user reads as absent: admin actions also delete the
# user's session keys, and this keeps GET me refused should that deletion ever fail.
ROLE_NAMES = (
    select(ROLES.c.name)
    .join(USER_ROLES, USER_ROLES.c.role_id == ROLES.c.id)
    .where(USER_ROLES.c.user_id == USERS.c.id)
    .order_by(ROLES.c.name)
    .scalar_subquery()
)
PROFILE_STATEMENT = select(
    USERS.c.id, USERS.c.email, USERS.c.display_name, USERS.c.phone_encrypted,
    USERS.c.email_verified_at.is_not(None), USERS.c.mfa_enabled, func.array(ROLE_NAMES), USERS.c.created_at,
).where(USERS.c.id == bindparam("userId"), USERS.c.deleted_at.is_(None), USERS.c.status == UserStatus.ACTIVE.value)

# Compiled once for asyncpg: the SQL with $n placeholders, and the bound values in placeholder order.
COMPILED = PROFILE_STATEMENT.compile(dialect=postgresql.asyncpg.dialect())
PROFILE_SQL = str(COMPILED)
PROFILE_ARGUMENTS = [(name, COMPILED.params[name]) for name in COMPILED.positiontup or ()]


def profileArguments(userId: uuid.UUID) -> list[object]:
    return [userId if name == "userId" else value for name, value in PROFILE_ARGUMENTS]


# Runs on the autocommit engine (Database.autocommitEngine): a single SELECT needs no BEGIN/ROLLBACK round
# trips. The statement runs through asyncpg itself: SQLAlchemy's execution path cost ~40 us of the ~85 us
# this read took (docs/decisions.md).
class ProfileQuery:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def profileOf(self, userId: uuid.UUID) -> UserProfile | None:
        # engine.connect() checks the connection out (wrapping pool and connect errors as SQLAlchemy does)
        # and returns it; only the statement itself bypasses SQLAlchemy's execution path.
        async with self.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            try:
                row = await driver.fetchrow(PROFILE_SQL, *profileArguments(userId))
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                closed = driver.is_closed()
                if closed:
                    await connection.invalidate()
                # Wrapped as SQLAlchemy would: the shared handler reads its SQLSTATE (503 for 08, 53, 57P).
                raise sqlalchemy.exc.DBAPIError(PROFILE_SQL, None, error,  # type: ignore[arg-type]
                                                connection_invalidated=closed) from error
        if row is None:
            return None
        profileId, email, displayName, phoneEncrypted, emailVerified, mfaEnabled, roles, createdAt = row
        return UserProfile(id=profileId, email=email, displayName=displayName, phoneEncrypted=phoneEncrypted,
                           emailVerified=emailVerified, mfaEnabled=mfaEnabled, roles=list(roles), createdAt=createdAt)
