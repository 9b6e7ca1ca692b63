from __future__ import annotations

import json
import math

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    InboundFieldFormatError,
    InboundMissingFieldError,
    InboundRequestError,
)
from KSysPayment.backend.domain.paymentNotification import (
    NotificationKind,
    PaymentNotification,
    qrisDedupeKey,
    vaDedupeKey,
)
from KSysPayment.backend.infrastructure.bri.snapAmount import parseRupiah
from KSysPayment.backend.infrastructure.bri.storableText import MAX_IDENTIFIER_CHARS, unstorable

JsonObject = dict[str, object]
QRIS_PAID = "00"
# Deeper bodies are refused before storage: json.dumps (the jsonb write) recurses on the deeper stack it runs in.
MAX_DEPTH = 32


# Where the first key or string PostgreSQL cannot store (no NUL in text or jsonb, UTF-8 only) is, and what it
# holds, walked without recursion: the raw body is kept with the notification's event.
def unstorableField(body: JsonObject) -> tuple[str, str] | None:
    pending: list[tuple[str, object, int]] = [("", body, 0)]
    while pending:
        path, value, depth = pending.pop()
        found = unstorable(value) if isinstance(value, str) else None
        if found is not None:
            return path, found
        if isinstance(value, dict | list) and depth >= MAX_DEPTH:
            raise InboundRequestError(f"The body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                found = unstorable(key)
                if found is not None:
                    # Named by its object: the key itself cannot be shown.
                    return path or "the body", f"a key with {found}"
                pending.append((f"{path}.{key}" if path else key, item, depth + 1))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item, depth + 1) for index, item in enumerate(value))
    return None


# NaN, Infinity and numbers past a double (1e400): jsonb stores none of them and a JSON answer cannot hold them.
def nonFinite(text: str) -> float:
    raise InboundFieldFormatError(f"The body holds a number that is not finite ({text[:20]})")


def finiteFloat(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else nonFinite(text)


def parseObject(rawBody: bytes) -> JsonObject:
    try:
        body = json.loads(rawBody, parse_constant=nonFinite, parse_float=finiteFloat)
    except (ValueError, RecursionError):
        raise InboundRequestError("The body is not JSON") from None
    if not isinstance(body, dict):
        raise InboundRequestError("The body is not a JSON object")
    found = unstorableField(body)
    if found is not None:
        raise InboundFieldFormatError(f"{found[0]} holds {found[1]}")
    return body


def requireText(body: JsonObject, name: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise InboundMissingFieldError(f"Missing mandatory field {name}")
    if not isinstance(value, str):
        raise InboundFieldFormatError(f"{name} must be a string")
    if len(value) > MAX_IDENTIFIER_CHARS:
        raise InboundFieldFormatError(f"{name} is longer than {MAX_IDENTIFIER_CHARS} characters")
    return value


def optionalText(body: JsonObject, name: str) -> str | None:
    value = body.get(name)
    return value if isinstance(value, str) and value else None


def objectOf(body: JsonObject, name: str) -> JsonObject:
    value = body.get(name)
    return value if isinstance(value, dict) else {}


def rupiahOf(value: object, name: str) -> int:
    try:
        return parseRupiah(value)
    except ValueError:
        raise InboundFieldFormatError(f"{name} is not a rupiah amount") from None


def currencyOf(money: JsonObject, name: str) -> str | None:
    # Settlement judges a currency other than IDR an amount mismatch.
    currency = money.get("currency")
    if currency is None:
        return None
    if not isinstance(currency, str):
        raise InboundFieldFormatError(f"{name}.currency must be a string")
    return currency


def vaAmount(body: JsonObject) -> tuple[int, str | None]:
    # BRI.md: additionalInfo.paymentAmount; other SNAP clients send paidAmount/totalAmount {value, currency}.
    info = objectOf(body, "additionalInfo")
    if "paymentAmount" in info:
        return rupiahOf(info["paymentAmount"], "additionalInfo.paymentAmount"), None
    for name in ("paidAmount", "totalAmount"):
        money = objectOf(body, name)
        if "value" in money:
            return rupiahOf(money["value"], f"{name}.value"), currencyOf(money, name)
    raise InboundMissingFieldError("Missing mandatory field additionalInfo.paymentAmount")


def parseVaNotification(rawBody: bytes) -> PaymentNotification:
    body = parseObject(rawBody)
    requireText(body, "partnerServiceId")
    requireText(body, "customerNo")
    virtualAccountNo = requireText(body, "virtualAccountNo")
    paymentRequestId = requireText(body, "paymentRequestId")
    amount, currency = vaAmount(body)
    return PaymentNotification(
        kind=NotificationKind.VA_NOTIFY, dedupeKey=vaDedupeKey(paymentRequestId, virtualAccountNo),
        amount=amount, currency=currency, paid=True, virtualAccountNo=virtualAccountNo, raw=body,
    )


def parseQrisNotification(rawBody: bytes) -> PaymentNotification:
    body = parseObject(rawBody)
    referenceNo = requireText(body, "originalReferenceNo")
    status = requireText(body, "latestTransactionStatus")
    money = objectOf(body, "amount")
    if "value" not in money:
        raise InboundMissingFieldError("Missing mandatory field amount.value")
    return PaymentNotification(
        # Only the paid report shares the key with polls; other statuses never block it.
        kind=NotificationKind.QRIS_NOTIFY,
        dedupeKey=qrisDedupeKey(referenceNo) if status == QRIS_PAID else f"{qrisDedupeKey(referenceNo)}:{status}",
        amount=rupiahOf(money["value"], "amount.value"), currency=currencyOf(money, "amount"),
        paid=status == QRIS_PAID,
        partnerReferenceNo=optionalText(body, "originalPartnerReferenceNo"), briReferenceNo=referenceNo, raw=body,
    )
