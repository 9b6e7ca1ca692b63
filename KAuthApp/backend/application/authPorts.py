from __future__ import annotations

from dataclasses import dataclass

from KAuthApp.backend.application.auditTrail import AuditTrail
from KAuthApp.backend.domain.interfaces.cipherInterface import CipherInterface
from KAuthApp.backend.domain.interfaces.loginRecordsInterface import LoginRecordsInterface
from KAuthApp.backend.domain.interfaces.mailerInterface import MailerInterface
from KAuthApp.backend.domain.interfaces.oneTimeTokenRepositoryInterface import OneTimeTokenRepositoryInterface
from KAuthApp.backend.domain.interfaces.recoveryCodeRepositoryInterface import RecoveryCodeRepositoryInterface
from KAuthApp.backend.domain.interfaces.sessionCacheInterface import SessionCacheInterface
from KAuthApp.backend.domain.interfaces.sessionRepositoryInterface import SessionRepositoryInterface
from KAuthApp.backend.domain.interfaces.transactionInterface import TransactionInterface
from KAuthApp.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from shared.backend.config.settings import Settings
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.passwordHasher import PasswordHasher


# Everything a use case may touch, wired per request by infrastructure/http/dependencies.py.
@dataclass(frozen=True)
class AuthPorts:
    users: UserRepositoryInterface
    logins: LoginRecordsInterface
    sessions: SessionRepositoryInterface
    tokens: OneTimeTokenRepositoryInterface
    recoveryCodes: RecoveryCodeRepositoryInterface
    audit: AuditTrail
    transaction: TransactionInterface
    sessionCache: SessionCacheInterface
    mailer: MailerInterface
    cipher: CipherInterface
    hasher: PasswordHasher
    codec: JwtCodec
    settings: Settings
