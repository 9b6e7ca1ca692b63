from __future__ import annotations

from KSysPayment.backend.domain.exceptions.paymentErrors import InvalidPaymentStateError
from KSysPayment.backend.domain.models.payment import PaymentStatus

# pending -> paid | expired | cancelled | failed; every other state is final.
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset(
        {PaymentStatus.PAID, PaymentStatus.EXPIRED, PaymentStatus.CANCELLED, PaymentStatus.FAILED}
    ),
}


def canTransition(current: str, target: PaymentStatus) -> bool:
    return target in TRANSITIONS.get(PaymentStatus(current), frozenset())


def requireTransition(current: str, target: PaymentStatus) -> None:
    if not canTransition(current, target):
        raise InvalidPaymentStateError(
            f"A {current} payment cannot become {target.value}",
            details=[{"status": current, "requested": target.value}],
        )
