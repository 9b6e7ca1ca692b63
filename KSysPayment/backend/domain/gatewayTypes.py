from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class GatewayPaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class VirtualAccount:
    # virtualAccountNo = partnerServiceId (8 chars, space padded) + customerNo; never strip it.
    virtualAccountNo: str
    partnerServiceId: str
    customerNo: str
    name: str
    amount: int
    trxId: str
    expiresAt: datetime | None
    paid: bool


@dataclass(frozen=True, slots=True)
class VirtualAccountPaymentStatus:
    virtualAccountNo: str
    state: GatewayPaymentState
    paidAmount: int | None
    # Currency of paidAmount as BRI reported it (None when absent).
    currency: str | None
    paymentRequestId: str | None
    statusCode: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class QrisCode:
    partnerReferenceNo: str
    referenceNo: str
    qrContent: str


@dataclass(frozen=True, slots=True)
class QrisPaymentStatus:
    referenceNo: str
    partnerReferenceNo: str | None
    state: GatewayPaymentState
    statusCode: str
    description: str | None
    amount: int | None
    currency: str | None
