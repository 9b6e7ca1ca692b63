from __future__ import annotations

import uuid

from sqlalchemy import Table, bindparam, func, select

from KAuthApp.backend.domain.models.role import Role, UserRole
from KAuthApp.backend.domain.models.user import User, UserStatus
from KAuthApp.backend.domain.userProfile import UserProfile
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement

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

PROFILE_QUERY = DriverStatement(PROFILE_STATEMENT)


# Runs on the driver pool (Database.driverPool): through SQLAlchemy's execution path and pool this read cost
# several times the statement (docs/decisions.md).
class ProfileQuery:
    def __init__(self, pool: DriverPool) -> None:
        self.pool = pool

    async def profileOf(self, userId: uuid.UUID) -> UserProfile | None:
        row = await self.pool.fetchRow(PROFILE_QUERY, {"userId": userId})
        if row is None:
            return None
        profileId, email, displayName, phoneEncrypted, emailVerified, mfaEnabled, roles, createdAt = row
        return UserProfile(id=profileId, email=email, displayName=displayName, phoneEncrypted=phoneEncrypted,
                           emailVerified=emailVerified, mfaEnabled=mfaEnabled, roles=list(roles), createdAt=createdAt)
