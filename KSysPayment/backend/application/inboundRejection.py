from __future__ import annotations

from dataclasses import asdict

from KSysPayment.backend.application.auditTrail import auditRow, logAudit
from KSysPayment.backend.domain.interfaces.unitOfWorkInterface import UnitOfWorkFactory, UnitOfWorkInterface
from KSysPayment.backend.domain.models.auditLog import ActorType, AuditLog, AuditOutcome
from KSysPayment.backend.domain.paymentNotification import PaymentNotification
from KSysPayment.backend.domain.requestContext import RequestContext
from shared.backend.loggingFactory import getSystemLogger

INBOUND_REJECTED = "payment.bri_inbound_rejected"
REPORT_UNCONFIRMED = "payment.bri_report_unconfirmed"
# The unconfirmed report's references come from an unsigned body: stored cut to this length.
REFERENCE_CHARS = 100
logger = getSystemLogger("payment.inbound")


def unsignedText(value: str | None) -> str | None:
    return value[:REFERENCE_CHARS] if value is not None else None


# Audits the BRI calls the payment service refuses: a call the authenticator or parser rejected, and an
# RSA-signed paid QRIS report BRI's query does not confirm. Neither is tied to BRI, so the actor is anonymous;
# the outcome is denied. Details never hold headers, signatures or tokens. The SNAP answer must not depend on
# the row: a failed write is logged as an error and not raised.
class InboundRejection:
    def __init__(self, uowFactory: UnitOfWorkFactory) -> None:
        self.uowFactory = uowFactory

    async def rejected(self, path: str, code: str, responseCode: str, context: RequestContext) -> None:
        await self.record(INBOUND_REJECTED, None, {"path": path, "code": code, "responseCode": responseCode},
                          context)

    async def unconfirmed(self, path: str, responseCode: str, notification: PaymentNotification,
                          context: RequestContext) -> None:
        details: dict[str, object] = {
            "path": path, "responseCode": responseCode,
            "originalReferenceNo": unsignedText(notification.briReferenceNo),
            "originalPartnerReferenceNo": unsignedText(notification.partnerReferenceNo),
            "reportedAmount": notification.amount,
        }
        await self.record(REPORT_UNCONFIRMED, notification.briReferenceNo, details, context)

    # briReferenceNo: the reference the report names; its payment, when there is one, is the target.
    async def record(self, action: str, briReferenceNo: str | None, details: dict[str, object],
                     context: RequestContext) -> None:
        try:
            async with self.uowFactory() as uow:
                targetId = await self.paymentOf(uow, briReferenceNo)
                entry = auditRow(action, targetId, context, actorType=ActorType.ANONYMOUS,
                                 outcome=AuditOutcome.DENIED, details=details,
                                 targetType="payment" if targetId else None)
                await uow.audit.add(AuditLog(**asdict(entry)))
                await uow.commit()
        except Exception as error:
            logger.error("bri_inbound_audit_failed", "Could not write the audit row of a refused BRI call", error,
                         action=action, request_id=context.requestId)
            return
        logAudit(entry)

    async def paymentOf(self, uow: UnitOfWorkInterface, briReferenceNo: str | None) -> str | None:
        if not briReferenceNo:
            return None
        payment = await uow.payments.findByBriReferenceNo(briReferenceNo)
        return str(payment.id) if payment is not None else None
