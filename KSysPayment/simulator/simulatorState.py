from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SimVirtualAccount:
    partnerServiceId: str
    customerNo: str
    virtualAccountNo: str
    name: str
    amount: int
    expiredDate: str
    trxId: str
    additionalInfo: dict[str, object]
    paidStatus: str = "N"
    paidAmount: int | None = None
    paymentRequestId: str | None = None
    trxDateTime: str | None = None


@dataclass
class SimQris:
    referenceNo: str
    partnerReferenceNo: str
    amount: int
    merchantId: str
    terminalId: str
    qrContent: str
    status: str = "03"
    paidAmount: int | None = None
    paidAt: str | None = None


@dataclass
class Fault:
    path: str
    count: int
    status: int | None
    delaySeconds: float


@dataclass
class SimulatorState:
    virtualAccounts: dict[str, SimVirtualAccount] = field(default_factory=dict)
    qris: dict[str, SimQris] = field(default_factory=dict)
    externalIds: set[tuple[str, str, str]] = field(default_factory=set)
    faults: list[Fault] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    payments: list[dict[str, object]] = field(default_factory=list)
    tokensIssued: int = 0

    def reset(self) -> None:
        self.virtualAccounts.clear()
        self.qris.clear()
        self.externalIds.clear()
        self.faults.clear()
        self.calls.clear()
        self.payments.clear()
        self.tokensIssued = 0

    def useExternalId(self, partnerId: str, externalId: str, day: str) -> bool:
        key = (day, partnerId, externalId)
        if key in self.externalIds:
            return False
        self.externalIds.add(key)
        return True

    def takeFault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.path == path and fault.count > 0:
                fault.count -= 1
                return fault
        return None

    def qrisByPartnerReference(self, partnerReferenceNo: str) -> SimQris | None:
        return next((qr for qr in self.qris.values() if qr.partnerReferenceNo == partnerReferenceNo), None)

    def findVirtualAccount(self, virtualAccountNo: str) -> SimVirtualAccount | None:
        if virtualAccountNo in self.virtualAccounts:
            return self.virtualAccounts[virtualAccountNo]
        # Dev convenience: accept the number typed without its padding spaces.
        compact = virtualAccountNo.replace(" ", "")
        return next((va for va in self.virtualAccounts.values()
                     if va.virtualAccountNo.replace(" ", "") == compact), None)

    def snapshot(self, now: datetime) -> dict[str, object]:
        return {
            "virtualAccounts": [vars(va) for va in self.virtualAccounts.values()],
            "qris": [vars(qr) for qr in self.qris.values()],
            "payments": self.payments,
            "calls": dict(self.calls),
            "tokensIssued": self.tokensIssued,
            "at": now.isoformat(),
        }
