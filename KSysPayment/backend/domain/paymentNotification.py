from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NotificationKind(StrEnum):
    VA_NOTIFY = "va_notify"
    QRIS_NOTIFY = "qris_notify"
    VA_POLL = "va_poll"
    QRIS_POLL = "qris_poll"


class SettlementOutcome(StrEnum):
    SETTLED = "settled"
    DUPLICATE = "duplicate"
    AMOUNT_MISMATCH = "amount_mismatch"
    REFERENCE_MISMATCH = "reference_mismatch"
    LATE = "late"
    ALREADY_PAID = "already_paid"
    NOT_PAID = "not_paid"
    UNKNOWN_PAYMENT = "unknown_payment"


# A payment report from BRI (notification or status poll), already authenticated and parsed.
@dataclass(frozen=True, slots=True)
class PaymentNotification:
    kind: NotificationKind
    dedupeKey: str
    amount: int | None
    paid: bool
    # The currency BRI reported with the amount, None when the report has none (IDR is then assumed).
    currency: str | None = None
    virtualAccountNo: str | None = None
    partnerReferenceNo: str | None = None
    briReferenceNo: str | None = None
    raw: dict[str, object] = field(default_factory=dict)


def vaDedupeKey(paymentRequestId: str, virtualAccountNo: str) -> str:
    return f"va:{paymentRequestId}:{virtualAccountNo}"


def qrisDedupeKey(originalReferenceNo: str) -> str:
    return f"qris:{originalReferenceNo}"
