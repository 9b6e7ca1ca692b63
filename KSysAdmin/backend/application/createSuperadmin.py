from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    AccountNotPromotableError,
    EmailTakenError,
    WeakPasswordError,
)
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysAdmin.backend.domain.models.role import RoleName
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.backend.domain.passwordStrength import passwordProblems
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError, UnprocessableError
from shared.backend.security.emailAddress import normalizeEmail
from shared.backend.security.lockoutPolicy import clearFailures
from shared.backend.security.passwordHasher import PasswordHasher

ACTION = "cli.create_superadmin"
CONTEXT = RequestContext(requestId=None, ip=None)
PROMOTABLE = frozenset({UserStatus.ACTIVE.value, UserStatus.PENDING_VERIFICATION.value})


@dataclass(frozen=True)
class CreateSuperadminResult:
    userId: str
    email: str
    created: bool
    promoted: bool
    tookOver: bool = False
    mfaEnabled: bool = False


# Idempotent: an active account keeps its password and only gains the superadmin role. An unverified
# (pending) account is taken over as if created now: anyone may have registered the address through the public
# API with a password of their own, so it gets the operator's password, is verified, and its open links are
# voided. A locked, disabled or deleted account is refused: someone chose to stop it.
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
            await self.refuseInput(UnprocessableError(str(error), code="invalid_email"))
        problems = passwordProblems(password, normalized)
        if problems:
            await self.refuseInput(WeakPasswordError(
                "The password " + "; ".join(problems),
                details=[{"field": "password", "message": problem} for problem in problems]))
        passwordHash = await self.hasher.hash(password)
        try:
            return await self.promote(normalized, passwordHash)
        except EmailTakenError:
            # Registered through the public API between the look-up and the insert: the account is there now.
            await self.transaction.rollback()
            return await self.promote(normalized, passwordHash)

    async def promote(self, normalized: str, passwordHash: str) -> CreateSuperadminResult:
        await self.users.lockRoleChanges()
        user = await self.users.getByEmail(normalized, forUpdate=True)
        created = user is None
        now = utcNow()
        details: dict[str, object] = {}
        if user is None:
            user = User(email=normalized, passwordHash=passwordHash, status=UserStatus.ACTIVE.value,
                        emailVerifiedAt=now)
            await self.users.add(user)
        elif user.deletedAt is not None or user.status not in PROMOTABLE:
            await self.refuse(user)
        tookOver = not created and user.status == UserStatus.PENDING_VERIFICATION.value
        if tookOver:
            details = await self.takeOver(user, passwordHash, now)
        roles = set(await self.users.rolesOf(user.id))
        promoted = RoleName.SUPERADMIN.value not in roles
        if promoted:
            await self.users.setRoles(user.id, roles | {RoleName.SUPERADMIN.value})
        if created or promoted or tookOver:
            await self.audit.record(CONTEXT, None, ACTION, AuditOutcome.SUCCESS, "user", user.id,
                                    {"created": created, "promoted": promoted, **details}, actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        return CreateSuperadminResult(str(user.id), normalized, created, promoted, tookOver, user.mfaEnabled)

    async def takeOver(self, user: User, passwordHash: str, now: datetime) -> dict[str, object]:
        user.passwordHash = passwordHash
        user.status = UserStatus.ACTIVE.value
        user.emailVerifiedAt = now
        user.displayName = None
        user.updatedAt = now
        clearFailures(user)
        await self.users.flush()
        return {"tookOverPending": True, "voidedTokens": await self.users.voidOneTimeTokens(user.id, now)}

    # An address or password refused before any account is read: audited with the code alone, naming neither (the
    # password never, the address may be anything the operator typed).
    async def refuseInput(self, error: DomainError) -> NoReturn:
        await self.audit.record(CONTEXT, None, ACTION, AuditOutcome.FAILURE, details={"code": error.code},
                                actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        raise error from None

    async def refuse(self, user: User) -> None:
        # Read before the rollback, which expires the row.
        userId, email, status = user.id, user.email, "deleted" if user.deletedAt is not None else user.status
        await self.transaction.rollback()
        await self.audit.record(CONTEXT, None, ACTION, AuditOutcome.FAILURE, "user", userId,
                                {"code": AccountNotPromotableError.code, "status": status},
                                actorType=ActorType.SYSTEM)
        await self.transaction.commit()
        raise AccountNotPromotableError(f"{email} is {status}: not changed and not made a superadmin")
