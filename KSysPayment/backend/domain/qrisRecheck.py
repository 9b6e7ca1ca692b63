from __future__ import annotations

from datetime import datetime, timedelta

from KSysPayment.backend.domain.models.payment import Payment, PaymentMethod, PaymentStatus

# BRI.md has no call that withdraws a QR: a cancelled or expired one stays payable, and its notification can be
# lost. Reconciliation asks BRI again, first this long after the QR closed, then after waits as long as its age
# (at most MAX_STEP), the last time at the window's end: `window` after the QR's expiry.
FIRST_RECHECK = timedelta(minutes=5)
MAX_STEP = timedelta(hours=6)
WATCHED = (PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value)


def firstRecheck(payment: Payment, now: datetime, window: timedelta) -> datetime | None:
    if payment.method != PaymentMethod.QRIS.value or payment.status not in WATCHED:
        return None
    return scheduled(payment, now, now + FIRST_RECHECK, window)


def nextRecheck(payment: Payment, now: datetime, window: timedelta) -> datetime | None:
    step = min(max(now - payment.createdAt, FIRST_RECHECK), MAX_STEP)
    return scheduled(payment, now, now + step, window)


def scheduled(payment: Payment, now: datetime, at: datetime, window: timedelta) -> datetime | None:
    end = payment.expiresAt + window
    return None if window <= timedelta(0) or now >= end else min(at, end)
