from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Callable, Coroutine
from datetime import timedelta

from KSysPayment.backend.application.auditTrail import auditEntry, logAudit, recordAudit
from KSysPayment.backend.application.briDeadline import BRI_DEADLINE_SECONDS, beforeDeadline
from KSysPayment.backend.application.closedPaymentReport import ClosedPaymentReport
from KSysPayment.backend.application.createPaymentInput import CreatePaymentInput
from KSysPayment.backend.application.paymentOutput import CreatedPayment, PaymentOutput
from KSysPayment.backend.application.paymentPoll import pollPayment
from KSysPayment.backend.application.settleNotification import SettleNotification
from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayConflictError,
    GatewayNotFoundError,
    outcomeUnknown,
)
from KSysPayment.backend.domain.exceptions.paymentErrors import (
    AmountOutOfBoundsError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
    PaymentNotFoundError,
    VirtualAccountNumberTakenError,
)
from KSysPayment.backend.domain.gatewayTypes import QrisCode, VirtualAccount
from KSysPayment.backend.domain.idempotency import isValidIdempotencyKey, requestHash
from KSysPayment.backend.domain.interfaces.paymentRecordsInterface import PaymentRecordsInterface
from KSysPayment.backend.domain.interfaces.settlementRecordsInterface import SettlementRecordsInterface
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditOutcome
from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.domain.paymentStateMachine import canTransition
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.config.settings import PaymentSettings
from shared.backend.database.modelSupport import utcNow
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.sessionStore import SessionRevokedError
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("payment.create")
VA_NAME = "KServices"
VA_NUMBER_ATTEMPTS = 3
# After a create-va whose outcome is unknown (timeout, 5xx) BRI may still be creating the VA: a delete BRI
# answers "not found" is sent again after these pauses (3.5 s in all) so a create landing late is still removed.
CLEANUP_DELETE_PAUSES = (0.5, 1.0, 2.0)
CLOSED_UNPAID = (PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value, PaymentStatus.FAILED.value)


def newCustomerNo() -> str:
    # 13 digits, never starting with 0; virtualAccountNo = padded BRIVA number + customerNo.
    return str(10**12 + secrets.randbelow(9 * 10**12))


class CreatePayment:
    # statements: a unit of work whose every statement commits by itself; records: the create's two writes;
    # settlements: records a VA found paid at a cleanup; spawn: runs a cleanup in the background, after the answer;
    # briDeadlineSeconds: how long the calls to BRI may take in all (briDeadline.py).
    def __init__(
        self, uowFactory: UnitOfWorkFactory, statements: UnitOfWorkFactory, records: PaymentRecordsInterface,
        settlements: SettlementRecordsInterface, gateway: PaymentGatewayInterface, settings: PaymentSettings,
        spawn: Callable[[Coroutine[object, object, None]], None], briDeadlineSeconds: float = BRI_DEADLINE_SECONDS,
    ) -> None:
        self.briDeadlineSeconds = briDeadlineSeconds
        self.uowFactory = uowFactory
        self.statements = statements
        self.records = records
        self.closedReport = ClosedPaymentReport(uowFactory, SettleNotification(uowFactory, settlements))
        self.gateway = gateway
        self.settings = settings
        self.spawn = spawn

    async def execute(
        self, userId: uuid.UUID, idempotencyKey: str | None, data: CreatePaymentInput, context: RequestContext
    ) -> CreatedPayment:
        if idempotencyKey is None or not isValidIdempotencyKey(idempotencyKey):
            raise InvalidIdempotencyKeyError()
        bodyHash = requestHash(data.canonical())
        if not self.settings.minAmount <= data.amount <= self.settings.maxAmount:
            # The retry of a create stored under earlier bounds answers its payment, not 422 (a client told
            # "refused" would make a second payment with a new key).
            replayed = await self.replay(userId, idempotencyKey, bodyHash)
            if replayed is not None:
                return replayed
            raise AmountOutOfBoundsError(
                f"The amount must be between {self.settings.minAmount} and {self.settings.maxAmount} rupiah",
                details=[{"field": "amount", "min": self.settings.minAmount, "max": self.settings.maxAmount,
                          "message": f"Enter between {self.settings.minAmount} and {self.settings.maxAmount}"}],
            )
        opened = await self.open(userId, idempotencyKey, bodyHash, data, context)
        if isinstance(opened, CreatedPayment):
            return opened
        payment = opened
        # The provider call runs outside any transaction; its result is stored in transaction 2.
        deadline = asyncio.get_running_loop().time() + self.briDeadlineSeconds
        try:
            provisioned = await beforeDeadline(self.provision(payment), deadline)
        except Exception as error:
            # A clear refusal (4xx) or a call that never reached BRI made no VA; any other answer may have.
            await self.fail(payment, error, context, vaMayExist=outcomeUnknown(error))
            raise
        try:
            stored = await self.storeProvisioned(payment, provisioned, context)
        except Exception as error:
            await self.fail(payment, error, context, vaMayExist=True)
            raise
        if stored.status in CLOSED_UNPAID and isinstance(provisioned, VirtualAccount):
            # Cancelled while BRI created the VA: the cancel found none to delete, so it is deleted now. A VA
            # paid (and notified) before this answer was stored is the payment's: it is left alone.
            logger.warning("payment_closed_during_create", "Deleting the VA of a payment closed while BRI made it",
                           payment_id=str(payment.id), request_id=context.requestId, status=stored.status)
            await self.deleteQuietly(payment, context)
        return CreatedPayment(payment=stored, created=True)

    async def open(
        self, userId: uuid.UUID, idempotencyKey: str, bodyHash: str, data: CreatePaymentInput, context: RequestContext
    ) -> CreatedPayment | Payment:
        # A random VA number that a pending payment already holds is drawn again in a new transaction.
        attempt = 1
        while True:
            try:
                return await self.openOnce(userId, idempotencyKey, bodyHash, data, context)
            except VirtualAccountNumberTakenError:
                logger.warning("payment_va_number_taken", "Drew a VA number a pending payment holds",
                               request_id=context.requestId, attempt=attempt)
                if attempt == VA_NUMBER_ATTEMPTS:
                    raise
                attempt += 1

    async def openOnce(
        self, userId: uuid.UUID, idempotencyKey: str, bodyHash: str, data: CreatePaymentInput, context: RequestContext
    ) -> CreatedPayment | Payment:
        # Transaction 1: the pending row and its audit row in one statement, unless the key is taken or the account
        # is no longer active; a concurrent create with the same key waits for this one and then reads its payment.
        payment = self.newPayment(userId, idempotencyKey, bodyHash, data)
        entry = auditEntry("payment.created", payment, context, details={"method": payment.method})
        if await self.records.openIfAbsent(payment, entry):
            logAudit(entry)
            return payment
        replayed = await self.replay(userId, idempotencyKey, bodyHash)
        if replayed is None:
            # Nothing inserted and no payment under the key: the account was deleted, locked or disabled after the
            # gateway let this request in, and its sessions ended with it. No call to BRI is made.
            raise SessionRevokedError()
        return replayed

    # The payment stored under this key (None: none), or 409 when it was made from another body.
    async def replay(self, userId: uuid.UUID, idempotencyKey: str, bodyHash: str) -> CreatedPayment | None:
        async with self.statements() as uow:
            existing = await uow.payments.getByIdempotencyKey(userId, idempotencyKey)
        if existing is None:
            return None
        if existing.requestHash != bodyHash:
            raise IdempotencyKeyReusedError(details=[{"paymentId": str(existing.id)}])
        return CreatedPayment(payment=PaymentOutput.fromPayment(existing), created=False)

    def newPayment(self, userId: uuid.UUID, idempotencyKey: str, bodyHash: str, data: CreatePaymentInput) -> Payment:
        paymentId = generateId()
        now = utcNow()
        payment = Payment(
            id=paymentId, userId=userId, amount=data.amount, method=data.method.value,
            status=PaymentStatus.PENDING.value, description=data.description, idempotencyKey=idempotencyKey,
            requestHash=bodyHash, partnerReferenceNo=paymentId.hex, createdAt=now, updatedAt=now,
            expiresAt=now + timedelta(minutes=self.settings.expiryMinutes),
        )
        if data.method == PaymentMethod.BRIVA:
            payment.customerNo = newCustomerNo()
            payment.virtualAccountNo = self.gateway.virtualAccountNoFor(payment.customerNo)
        return payment

    async def provision(self, payment: Payment) -> VirtualAccount | QrisCode:
        if payment.method == PaymentMethod.BRIVA.value:
            return await self.gateway.createVirtualAccount(
                customerNo=str(payment.customerNo), name=VA_NAME, amount=payment.amount,
                expiresAt=payment.expiresAt, trxId=payment.partnerReferenceNo,
                description=payment.description or "",
            )
        return await self.gateway.generateQris(partnerReferenceNo=payment.partnerReferenceNo, amount=payment.amount)

    async def storeProvisioned(
        self, payment: Payment, provisioned: VirtualAccount | QrisCode, context: RequestContext
    ) -> PaymentOutput:
        # Transaction 2: BRI's answer and its audit row in one statement.
        changes: dict[str, object] = {"updatedAt": utcNow()}
        if isinstance(provisioned, VirtualAccount):
            changes["virtualAccountNo"] = provisioned.virtualAccountNo
        else:
            changes.update(qrContent=provisioned.qrContent, briReferenceNo=provisioned.referenceNo)
        entry = auditEntry("payment.provisioned", payment, context)
        stored = await self.records.updateWithAudit(payment.id, changes, entry)
        if stored is None:
            raise PaymentNotFoundError()
        logAudit(entry)
        return PaymentOutput.fromPayment(stored)

    async def fail(self, payment: Payment, error: Exception, context: RequestContext, *, vaMayExist: bool) -> None:
        await self.markFailed(payment.id, error, context)
        if vaMayExist and payment.customerNo:
            self.spawn(self.deleteLeftVa(payment, context))  # the error answer does not wait for it
        if isinstance(error, DomainError):
            error.details.append({"paymentId": str(payment.id)})

    async def markFailed(self, paymentId: uuid.UUID, error: Exception, context: RequestContext) -> None:
        reason = f"{error.code}: {error.message}" if isinstance(error, DomainError) else type(error).__name__
        logger.warning("payment_provision_failed", "BRI refused or failed the payment", payment_id=str(paymentId),
                       request_id=context.requestId, reason=reason)
        try:
            async with self.uowFactory() as uow:
                payment = await uow.payments.getById(paymentId, forUpdate=True)
                if payment is None or not canTransition(payment.status, PaymentStatus.FAILED):
                    return
                payment.status = PaymentStatus.FAILED.value
                payment.failureReason = reason[:500]
                payment.updatedAt = utcNow()
                await recordAudit(uow.audit, "payment.failed", payment, context, outcome=AuditOutcome.FAILURE,
                                  actorType=ActorType.SYSTEM, details={"reason": reason[:500]})
                await uow.commit()
        except Exception as storeError:
            # Left pending: reconciliation expires it; the original error still reaches the client.
            logger.error("payment_mark_failed_error", "Could not mark the payment failed", storeError,
                         payment_id=str(paymentId))

    async def deleteLeftVa(self, payment: Payment, context: RequestContext) -> None:
        for pause in (0.0, *CLEANUP_DELETE_PAUSES):
            await asyncio.sleep(pause)
            if await self.deleteQuietly(payment, context):
                return
        logger.warning("payment_va_cleanup_unconfirmed", "BRI never knew the VA of a failed create",
                       payment_id=str(payment.id))

    async def deleteQuietly(self, payment: Payment, context: RequestContext) -> bool:
        # A VA nobody may pay (its create failed after BRI may have made it, or was cancelled meanwhile); best effort.
        # Returns False only when BRI does not know the VA (yet).
        try:
            try:
                await self.gateway.deleteVirtualAccount(customerNo=str(payment.customerNo),
                                                        trxId=payment.partnerReferenceNo)
            except GatewayConflictError:
                # BRI refuses to delete a paid VA: the payment is asked about and, closed, recorded late or flagged
                # (also when BRI cannot be asked, or answers unpaid; closedPaymentReport.py), so the money, or the VA
                # still payable, is on record even when BRI's notification is lost.
                await self.closedReport.recordRefusedDelete(payment, pollPayment(self.gateway, payment), context)
        except GatewayNotFoundError:
            return False
        except Exception as error:
            logger.warning("payment_va_cleanup_failed", "Could not delete the VA at BRI",
                           payment_id=str(payment.id), error_type=type(error).__name__)
        return True
