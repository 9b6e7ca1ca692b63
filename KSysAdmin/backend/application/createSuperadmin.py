from __future__ import annotations

from dataclasses import dataclass

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import WeakPasswordError
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.backend.domain.passwordStrength import passwordProblems
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import UnprocessableError
from shared.backend.security.emailAddress import normalizeEmail
from shared.backend.security.passwordHasher import PasswordHasher

ACTION = "cli.create_superadmin"


@dataclass(frozen=True)
class CreateSuperadminResult:
    userId: str
    email: str
    created: bool
    promoted: bool


# Idempotent: an existing account keeps its password and only gains the superadmin role.
class CreateSuperadmin:
    def __init__(
        self, users: UserRepositoryInterface, audit: AuditTrail, transaction: TransactionInterface,
        hasher: PasswordHasher,
    ) -> None:
        self.users = users
        self.audit = audit
        self.transaction = transaction
        self.hasher = hasher

    async def execute(self, email: str, password: str) -> CreateSuperadminResult:
        # Stored as register stores an address, so that the account's login finds it.
        try:
            normalized = normalizeEmail(email.strip())
        except ValueError as error:
            raise UnprocessableError(str(error), code="invalid_email") from None
        problems = passwordProblems(password, normalized)
        if problems:
            raise WeakPasswordError("The password " + "; ".join(problems),
                                    details=[{"field": "password", "message": problem} for problem in problems])
        await self.users.lockRoleChanges()
        user = await self.users.getByEmail(normalized, forUpdate=True)
        created = user is None
        now = utcNow()
        if user is None:
            user = User(email=normalized, passwordHash=await self.hasher.hash(password),
                        status=UserStatus.ACTIVE.value, emailVerifiedAt=now)
            await self.users.add(user)
        roles = set(await self.users.rolesOf(user.id))
        promoted = RoleName.SUPERADMIN.value not in roles
        if promoted:
            await self.users.setRoles(user.id, roles | {RoleName.SUPERADMIN.value})
        if created or promoted:
            await self.audit.record(RequestContext(requestId=None, ip=None), None, ACTION, AuditOutcome.SUCCESS,
                                    "user", user.id, {"created": created, "promoted": promoted},
                                    actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        return CreateSuperadminResult(str(user.id), normalized, created, promoted)
