from __future__ import annotations

import uuid
from dataclasses import dataclass

from KSysAdmin.backend.domain.models.role import RoleName

ADMIN_ROLES = frozenset({RoleName.ADMIN.value, RoleName.SUPERADMIN.value})


@dataclass(frozen=True)
class AdminPrincipal:
    userId: uuid.UUID
    email: str
    roles: frozenset[str]
    sessionId: str
    issuedAt: int

    @property
    def isSuperadmin(self) -> bool:
        return RoleName.SUPERADMIN.value in self.roles


@dataclass(frozen=True)
class RequestContext:
    requestId: str | None
    ip: str | None


def holdsAdminRole(roles: frozenset[str] | set[str]) -> bool:
    return bool(ADMIN_ROLES.intersection(roles))


# Accounts holding an admin role are managed by superadmins only.
def mayManage(principal: AdminPrincipal, targetRoles: frozenset[str]) -> bool:
    return principal.isSuperadmin or not holdsAdminRole(targetRoles)
