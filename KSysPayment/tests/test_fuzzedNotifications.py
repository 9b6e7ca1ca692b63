from __future__ import annotations

import json
import secrets

import pytest

from KSysPayment.tests.support.briSender import QRIS_NOTIFY, VA_NOTIFY, BriSender, qrisBody, vaBody
from KSysPayment.tests.support.paymentQueries import auditRowsOf, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database


def withField(body: dict[str, object], raw: bytes) -> bytes:
    # The body's bytes with `"x":<raw>` first: what json.dumps cannot write (NaN as BRI's parser may send it).
    return json.dumps(body, separators=(",", ":")).encode().replace(b"{", b'{"x":' + raw + b",", 1)


def replaced(body: dict[str, object], path: str, value: object) -> bytes:
    holder, _, name = path.rpartition(".")
    target = body[holder] if holder else body
    assert isinstance(target, dict)
    target[name] = value
    return json.dumps(body, separators=(",", ":")).encode()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"1" + b"]" * depth


# The worst inputs the fuzz tests found (test_fuzzInbound.py), each signed as BRI signs, for a real pending
# payment: each gets BRI's SNAP error answer and its audit row, and changes no payment. Before, each parsed and
# then failed storage: a 500 BRI retries for ever (past bigint, NaN or 1e400 in the jsonb, a dedupe key past
# the btree row size) or, nested ~920 deep (json.loads took it, json.dumps on the deeper stack of the jsonb write
# did not), RecursionError. An incompressible identifier: PostgreSQL compresses "7" * 3000 under the row limit.
CASES: dict[str, tuple[str, object, str]] = {
    "amountPastBigint": ("additionalInfo.paymentAmount", "9223372036854775808.00", "4003401"),
    "amountInArabicDigits": ("additionalInfo.paymentAmount", "١٥٠٠٠", "4003401"),
    "nan": ("", b"NaN", "4003401"),
    "minusInfinity": ("", b"-Infinity", "4003401"),
    "overflowingFloat": ("", b"1e400", "4003401"),
    "paymentRequestIdOf3000Characters": ("paymentRequestId", secrets.token_hex(1500), "4003401"),
    **{f"nested{depth}Deep": ("additionalInfo.terminalId", nested(depth), "4003400") for depth in (33, 920, 922)},
}


@pytest.mark.parametrize("case", CASES)
async def test_signedVaNotificationsWithWorstInputsGetSnapErrors(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, case: str
) -> None:
    created = (await paymentStack.create(payer, amount=15000)).json()
    stored = await storedPayment(database, created["id"])
    body = vaBody(str(stored["virtual_account_no"]), 15000, f"71{secrets.randbelow(10**12):012d}")
    path, value, code = CASES[case]
    if isinstance(value, bytes):
        raw = replaced(body, path, "MARK").replace(b'"MARK"', value) if path else withField(body, value)
    else:
        raw = replaced(body, path, value)
    reply = await briSender.notify(VA_NOTIFY, body, raw=raw)
    await assertRefused(database, reply.status_code, reply.json(), reply.headers["x-request-id"], code, VA_NOTIFY)
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert await eventOutcomes(database, created["id"]) == []


@pytest.mark.parametrize(("case", "code"), [("nan", "4005201"), ("referenceOf3000Characters", "4005201"),
                                            ("amountPastBigint", "4005201")])
async def test_signedQrisNotificationsWithWorstInputsGetSnapErrors(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, case: str, code: str
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), 20000, status="01")
    if case == "nan":
        raw = withField(body, b"NaN")
    elif case == "referenceOf3000Characters":
        raw = replaced(body, "originalReferenceNo", secrets.token_hex(1500))
    else:
        raw = replaced(body, "amount", {"value": str(2**63), "currency": "IDR"})
    reply = await briSender.notify(QRIS_NOTIFY, body, raw=raw)
    await assertRefused(database, reply.status_code, reply.json(), reply.headers["x-request-id"], code, QRIS_NOTIFY)
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert await eventOutcomes(database, created["id"]) == []


async def assertRefused(database: Database, status: int, answer: dict[str, object], requestId: str, code: str,
                        path: str) -> None:
    assert (status, answer["responseCode"]) == (int(code[:3]), code), answer
    assert set(answer) == {"responseCode", "responseMessage"}
    [row] = await auditRowsOf(database, requestId)
    assert (row["action"], row["details"]["responseCode"], row["details"]["path"]) == (  # type: ignore[index]
        "payment.bri_inbound_rejected", code, PREFIX + path)
