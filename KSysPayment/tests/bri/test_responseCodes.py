from __future__ import annotations

import pytest

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayNotFoundError, GatewayRejectedError
from KSysPayment.backend.infrastructure.bri.responseCodes import errorForResponse


# Only "no such transaction" and "no such bill/VA" mean unknown (and so unpaid) to reconciliation and cancel.
@pytest.mark.parametrize(("httpStatus", "responseCode", "expected"), [
    (404, "4042612", GatewayNotFoundError),   # VA status: Invalid Bill/Virtual Account
    (404, "4045101", GatewayNotFoundError),   # QRIS query: Transaction Not Found
    (404, "4042608", GatewayRejectedError),   # Invalid Merchant
    (404, "4042616", GatewayRejectedError),   # Partner Not Found
    (404, "4042600", GatewayRejectedError),   # no case named
    (404, "", GatewayRejectedError),          # a bare 404 (a proxy, a wrong path)
    (200, "4043012", GatewayNotFoundError),   # the response code decides, not the HTTP status
])
def test_onlyUnknownTransactionsAreNotFound(httpStatus: int, responseCode: str, expected: type) -> None:
    assert type(errorForResponse(httpStatus, responseCode, "message")) is expected
