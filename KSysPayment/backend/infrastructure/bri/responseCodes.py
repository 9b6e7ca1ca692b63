from __future__ import annotations

import random
import re
from dataclasses import dataclass

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayAuthError,
    GatewayConflictError,
    GatewayDuplicateExternalIdError,
    GatewayNotFoundError,
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnavailableError,
)
from shared.backend.exceptions.domainError import DomainError

# BRI response codes: HTTP status (3) + service code (2) + case (2), e.g. 2002700, 4092700.
RESPONSE_CODE_PATTERN = re.compile(r"^\d{7}$")
# The 404 cases that mean "no such transaction, bill or VA" (SNAP's 01 Transaction Not Found, 12 Invalid
# Bill/Virtual Account). Any other 404 (08 Invalid Merchant, 16 Partner Not Found, a proxy's bare 404 for a
# wrong path) is a refusal: reading it as "unknown, so unpaid" would expire or cancel payments unflagged.
NOT_FOUND_CASES = ("01", "12")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    maxAttempts: int = 3
    baseDelaySeconds: float = 0.2
    maxDelaySeconds: float = 2.0

    def delayFor(self, attempt: int) -> float:
        # Exponential backoff with full jitter; attempt counts from 1.
        ceiling = min(self.maxDelaySeconds, self.baseDelaySeconds * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


def statusOf(httpStatus: int, responseCode: str) -> int:
    if RESPONSE_CODE_PATTERN.fullmatch(responseCode):
        return int(responseCode[:3])
    return httpStatus


def isSuccess(httpStatus: int, responseCode: str) -> bool:
    return 200 <= httpStatus < 300 and 200 <= statusOf(httpStatus, responseCode) < 300


def isUnauthorized(httpStatus: int, responseCode: str) -> bool:
    return httpStatus == 401 or statusOf(httpStatus, responseCode) == 401


def errorForResponse(httpStatus: int, responseCode: str, responseMessage: str) -> DomainError:
    status = statusOf(httpStatus, responseCode)
    case = responseCode[5:7] if RESPONSE_CODE_PATTERN.fullmatch(responseCode) else ""
    if status in (401, 403):
        return GatewayAuthError(responseCode, responseMessage)
    if status == 404 and case in NOT_FOUND_CASES:
        return GatewayNotFoundError(responseCode, responseMessage)
    if status == 409:
        if case == "00":
            return GatewayDuplicateExternalIdError(responseCode, responseMessage)
        return GatewayConflictError(responseCode, responseMessage)
    if status == 504:
        return GatewayTimeoutError(f"BRI timed out: {responseCode} {responseMessage}".strip(), responseCode)
    if status >= 500 or status == 429:
        return GatewayUnavailableError(f"BRI unavailable: {responseCode} {responseMessage}".strip(), responseCode)
    return GatewayRejectedError(responseCode, responseMessage)


def isRetriable(error: DomainError) -> bool:
    return isinstance(error, GatewayUnavailableError)
