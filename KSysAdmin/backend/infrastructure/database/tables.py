from __future__ import annotations

from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.base import KSysAdminModel
from KSysAdmin.backend.domain.models.mfaRecoveryCode import MfaRecoveryCode
from KSysAdmin.backend.domain.models.oneTimeToken import OneTimeToken
from KSysAdmin.backend.domain.models.payment import Payment
from KSysAdmin.backend.domain.models.paymentEvent import PaymentEvent
from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule
from KSysAdmin.backend.domain.models.role import Role, UserRole
from KSysAdmin.backend.domain.models.session import Session
from KSysAdmin.backend.domain.models.systemSetting import SystemSetting
from KSysAdmin.backend.domain.models.user import User

# The one module that imports every table: Alembic and the tests read this metadata.
ALL_TABLES = (
    User, Role, UserRole, Session, OneTimeToken, MfaRecoveryCode, AuditLog, SystemSetting, RateLimitRule,
    Payment, PaymentEvent,
)
metadata = KSysAdminModel.metadata
