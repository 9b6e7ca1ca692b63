from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import TypeAdapter

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.flagResolutionInput import FlagResolutionInput
from KSysAdmin.backend.application.getPaymentDetail import paymentDetail
from KSysAdmin.backend.application.paymentOutput import PaymentDetailOutput
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import (
    FlagNotOpenError,
    OwnPaymentFlagError,
    PaymentChangedError,
    PaymentNotFoundError,
)
from KSysAdmin.backend.domain.interfaces.paymentRepositoryInterface import PaymentRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow

ACTION = "payment.flag_resolved"
# Written as the payment's JSON writes it, so that a client can compare the two as text.
JSON_TIME = TypeAdapter(datetime)


# Records that an admin handled a payment's flag; the payment's money state is never touched.
class ResolvePaymentFlag:
    def __init__(
        self, payments: PaymentRepositoryInterface, users: UserRepositoryInterface, audit: AuditTrail,
        transaction: TransactionInterface,
    ) -> None:
        self.payments = payments
        self.users = users
        self.audit = audit
        self.transaction = transaction

    async def execute(
        self, principal: AdminPrincipal, paymentId: uuid.UUID, data: FlagResolutionInput, context: RequestContext
    ) -> PaymentDetailOutput:
        async with self.audit.audited(context, principal, ACTION, "payment", paymentId):
            # The roles lock before the payment's row (one lock order), then the caller read again under it.
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal)
            # The row lock orders this against KSysPayment's writers, which lock the row to flag it.
            payment = await self.payments.getById(paymentId, forUpdate=True)
            if payment is None:
                raise PaymentNotFoundError()
            if payment.userId == principal.userId:
                raise OwnPaymentFlagError()
            if not payment.flagOpen:
                raise FlagNotOpenError()
            # A new flag or a state change since the admin looked: what they judged is not what is stored.
            if payment.updatedAt != data.updatedAt:
                current = JSON_TIME.dump_python(payment.updatedAt, mode="json")
                raise PaymentChangedError(details=[{"field": "updatedAt", "updatedAt": current,
                                                    "message": "the payment changed: reload it"}])
            payment.resolveFlag(principal.userId, data.resolution, utcNow())
            await self.payments.flush()
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "payment", payment.id,
                                    {"flaggedReason": payment.flaggedReason, "resolution": data.resolution})
            await self.transaction.commit()
        return await paymentDetail(self.payments, payment)
