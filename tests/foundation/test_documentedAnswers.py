from __future__ import annotations

from shared.backend.openapiDocs import groupSpec

PAYMENT_OUTPUT = {"$ref": "#/components/schemas/PaymentOutput"}


def servedDocument(prefix: str, title: str) -> dict[str, dict]:  # type: ignore[type-arg]
    from public_server import app
    return groupSpec(app, prefix, title)  # type: ignore[return-value]


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
