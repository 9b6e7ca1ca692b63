from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from shared.backend.exceptions.domainError import DomainError
from shared.backend.openapiDocs import groupSpec, statusOf

PAYMENT_OUTPUT = {"$ref": "#/components/schemas/PaymentOutput"}
# Each group's errors: its service's and the shared ones (not the generic bases every service derives from).
GROUPS = {"/api/auth": ("KAuthApp", "shared"), "/api/payment": ("KSysPayment", "shared"),
          "/api/admin": ("KSysAdmin", "shared")}
GENERIC = "shared.backend.exceptions.domainError"
# Every BRI refusal and failure a create or cancel passes on (docs/payment.md, docs/bri.md).
GATEWAY_502 = ["gateway_auth_failed", "gateway_bad_response", "gateway_conflict", "gateway_duplicate_external_id",
               "gateway_not_found", "gateway_rejected"]


def servingApp(prefix: str) -> FastAPI:
    if prefix == "/api/admin":
        from admin_server import app as admin
        return admin
    from public_server import app
    return app


def servedDocument(prefix: str, title: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return groupSpec(servingApp(prefix), prefix, title)  # type: ignore[return-value]


def subclassesOf(error: type[DomainError]) -> Iterator[type[DomainError]]:
    for subclass in error.__subclasses__():
        yield subclass
        yield from subclassesOf(subclass)


# docs/payment.md: a create answers 201, and a replay of the same key and body 200 with Idempotent-Replayed.
def test_paymentCreateDocumentsItsReplay() -> None:
    responses = servedDocument("/api/payment", "KSysPayment")["paths"]["/api/payment/payments"]["post"]["responses"]
    assert responses["201"]["content"]["application/json"]["schema"] == PAYMENT_OUTPUT
    replay = responses["200"]
    assert replay["content"]["application/json"]["schema"] == PAYMENT_OUTPUT
    assert "Idempotent-Replayed" in replay["headers"]


# Each group's document holds the schemas its own paths use, not the other service's on the same server.
def test_groupDocumentsHoldOnlyTheirOwnSchemas() -> None:
    auth = servedDocument("/api/auth", "KAuthApp")["components"]["schemas"]
    payment = servedDocument("/api/payment", "KSysPayment")["components"]["schemas"]
    assert "CreatePaymentInput" in payment and "CreatePaymentInput" not in auth
    assert "RegisterInput" in auth and "RegisterInput" not in payment
    assert {"PaymentStatus", "PaymentMethod", "ErrorEnvelope"} <= set(payment)
    assert "ErrorEnvelope" in auth


# docs/payment.md: a create's 409 is a reused key or no free VA number; a create's or cancel's 502 is any of BRI's
# refusals, the subclasses of gateway_rejected (404xxxx, 409) included.
def test_paymentErrorCodesAreComplete() -> None:
    paths = servedDocument("/api/payment", "KSysPayment")["paths"]
    create = paths["/api/payment/payments"]["post"]["responses"]
    cancel = paths["/api/payment/payments/{paymentId}/cancel"]["post"]["responses"]
    assert create["409"]["x-error-codes"] == ["idempotency_key_reused", "virtual_account_number_taken"]
    assert create["502"]["x-error-codes"] == cancel["502"]["x-error-codes"] == GATEWAY_502
    assert cancel["409"]["x-error-codes"] == ["invalid_payment_state", "payment_already_paid"]


# An answer that lists an error's code lists its subclasses' codes too, each at its own status: a route raising
# the class may raise any of them.
@pytest.mark.parametrize("prefix", list(GROUPS))
def test_documentedErrorsListTheirSubclasses(prefix: str) -> None:
    table = servingApp(prefix).state.statusTable
    errors = [error for error in subclassesOf(DomainError)
              if error.__module__.split(".")[0] in GROUPS[prefix] and error.__module__ != GENERIC]
    missing = []
    for path, item in servedDocument(prefix, "doc")["paths"].items():
        for method, operation in item.items():
            codes = {status: answer.get("x-error-codes", []) for status, answer in operation["responses"].items()}
            for error in errors:
                if error.code not in codes.get(str(statusOf(error, table)), []):
                    continue
                missing += [f"{method} {path}: {statusOf(subclass, table)} {subclass.code} ({error.code})"
                            for subclass in subclassesOf(error) if subclass in errors
                            and subclass.code not in codes.get(str(statusOf(subclass, table)), [])]
    assert not missing, "\n".join(missing)
