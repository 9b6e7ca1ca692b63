from __future__ import annotations

import base64
import json
import secrets
from types import TracebackType

import httpx2
import pytest

from KSysPayment.backend.application import inboundRejection
from KSysPayment.backend.application.inboundRejection import InboundRejection
from KSysPayment.backend.infrastructure.http import paymentDependencies
from KSysPayment.backend.infrastructure.http.snapRouter import TOKEN_PATH
from KSysPayment.tests.support.briSender import QRIS_NOTIFY, VA_NOTIFY, BriSender, qrisBody, vaBody
from KSysPayment.tests.support.paymentQueries import auditRowsOf, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import CLIENT_ID, CLIENT_SECRET, PREFIX, Payer, PaymentStack
from shared.backend.database.engine import Database

# The SNAP answers as they were before refusals were audited, byte for byte.
VA_SIGNATURE_REFUSED = b'{"responseCode":"4013400","responseMessage":"Unauthorized. [Signature]"}'
TOKEN_SIGNATURE_REFUSED = b'{"responseCode":"4017300","responseMessage":"Unauthorized. [Signature]"}'
QRIS_UNCONFIRMED = b'{"responseCode":"5005200","responseMessage":"General Error"}'


def forgedSignature() -> str:
    return base64.b64encode(secrets.token_bytes(256)).decode()


def assertRefusalRow(row: dict[str, object], action: str, details: dict[str, object], *secretValues: str) -> None:
    assert (row["action"], row["outcome"], row["actor_type"], row["actor_id"]) == (action, "denied", "anonymous", None)
    assert row["ip"] == "127.0.0.1"
    assert row["details"] == details
    stored = json.dumps(row, default=str)
    assert CLIENT_SECRET not in stored
    for value in secretValues:
        assert value not in stored


async def test_vaNotificationWithABadSignatureIsAudited(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender
) -> None:
    created = (await paymentStack.create(payer)).json()
    token = await briSender.accessToken()
    body = vaBody(created["virtualAccountNo"], 15000, "7000000000000101")
    reply = await briSender.notify(VA_NOTIFY, body, token=token, secret="guessed-secret")
    assert (reply.status_code, reply.content) == (401, VA_SIGNATURE_REFUSED)
    [row] = await auditRowsOf(database, reply.headers["x-request-id"])
    assertRefusalRow(row, "payment.bri_inbound_rejected", {
        "path": PREFIX + VA_NOTIFY, "code": "inbound_signature_invalid", "responseCode": "4013400"}, token,
        "guessed-secret")
    # Nothing in the refused body is trusted: no target, no event, the payment untouched.
    assert (row["target_type"], row["target_id"]) == (None, None)
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert await eventOutcomes(database, created["id"]) == []


async def test_tokenRequestWithABadSignatureIsAudited(
    paymentStack: PaymentStack, database: Database, briSender: BriSender
) -> None:
    signature = forgedSignature()
    reply = await briSender.token(signature=signature)
    assert (reply.status_code, reply.content) == (401, TOKEN_SIGNATURE_REFUSED)
    [row] = await auditRowsOf(database, reply.headers["x-request-id"])
    assertRefusalRow(row, "payment.bri_inbound_rejected", {
        "path": PREFIX + TOKEN_PATH, "code": "inbound_signature_invalid", "responseCode": "4017300"}, signature)
    assert (row["target_type"], row["target_id"]) == (None, None)


# A token issued to BRI is on the security trail too (its request id, never the token itself).
async def test_issuedTokenIsLogged(
    paymentStack: PaymentStack, briSender: BriSender, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    reply = await briSender.token()
    assert reply.status_code == 200, reply.text
    output = capsys.readouterr().out
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [issued] = [line for line in lines if line.get("label") == "bri_inbound_token_issued"]
    assert (issued["category"], issued["request_id"], issued["expires_in"]) == (
        "Security", reply.headers["x-request-id"], int(reply.json()["expiresIn"]))
    assert reply.json()["accessToken"] not in output


# An RSA-signed paid report for a QR no payment has: audited without a target, its unsigned references cut.
async def test_unconfirmedReportOfAnUnknownQrHasNoTarget(
    paymentStack: PaymentStack, database: Database, briSender: BriSender
) -> None:
    reference, partner = f"{secrets.randbelow(10**12):012d}", "P" * 300
    reply = await briSender.notify(QRIS_NOTIFY, qrisBody(reference, partner, 1), rsaClientId=CLIENT_ID)
    assert (reply.status_code, reply.content) == (500, QRIS_UNCONFIRMED)
    [row] = await auditRowsOf(database, reply.headers["x-request-id"])
    assertRefusalRow(row, "payment.bri_report_unconfirmed", {
        "path": PREFIX + QRIS_NOTIFY, "responseCode": "5005200", "originalReferenceNo": reference,
        "originalPartnerReferenceNo": "P" * 100, "reportedAmount": 1})
    assert (row["target_type"], row["target_id"]) == (None, None)


# PostgreSQL stores no NUL in text or jsonb and only UTF-8, and the raw body is kept with the event: a signed
# notification holding either anywhere is refused as a field format error naming the field, audited, and changes
# nothing. A lone surrogate arrives escaped (\\ud800), which json.loads takes as it is.
@pytest.mark.parametrize("character", ["\u0000", "\ud800"], ids=["nul", "loneSurrogate"])
@pytest.mark.parametrize(("call", "field", "code"), [
    ("va", "virtualAccountNo", "4003401"),
    ("va", "trxDateTime", "4003401"),
    ("va", "additionalInfo.terminalId", "4003401"),
    ("qris", "originalReferenceNo", "4005201"),
    ("va", "additionalInfo", "4003401"),
])
async def test_notificationHoldingUnstorableTextIsRefusedAndAudited(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, call: str, field: str,
    code: str, character: str
) -> None:
    created = (await paymentStack.create(payer, amount=20000, method="briva" if call == "va" else "qris")).json()
    stored = await storedPayment(database, created["id"])
    token = await briSender.accessToken()
    if call == "va":
        path, body = VA_NOTIFY, vaBody(created["virtualAccountNo"], 20000, "7000000000000103")
    else:
        path = QRIS_NOTIFY
        body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), 20000)
    holder, _, name = field.rpartition(".")
    target = body[holder] if holder else body
    assert isinstance(target, dict)
    if field == "additionalInfo":  # in a key: named by its object
        target[name] = {**target[name], "MARK": "x"}  # type: ignore[dict-item]
        what = "a key with "
    else:
        target[name] = f"{target[name]}MARK"
        what = ""
    escaped = json.dumps(character).strip('"').encode()
    raw = json.dumps(body, separators=(",", ":")).encode().replace(b"MARK", escaped)
    reply = await briSender.notify(path, body, token=token, raw=raw)
    held = "a NUL character" if character == "\u0000" else "a lone surrogate"
    expected = f'{{"responseCode":"{code}","responseMessage":"Invalid Field Format [{field} holds {what}{held}]"}}'
    assert (reply.status_code, reply.content) == (400, expected.encode())
    [row] = await auditRowsOf(database, reply.headers["x-request-id"])
    assertRefusalRow(row, "payment.bri_inbound_rejected", {
        "path": PREFIX + path, "code": "inbound_invalid_field_format", "responseCode": code}, token)
    assert (await storedPayment(database, created["id"]))["status"] == "pending"
    assert await eventOutcomes(database, created["id"]) == []


# json.loads raises RecursionError past its depth: a bad request as any other body that is not JSON, not a 500
# that BRI would retry.
async def test_bodiesNestedTooDeeplyAreBadRequests(paymentStack: PaymentStack, briSender: BriSender) -> None:
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    token = await briSender.token(body=deep)
    assert (token.status_code, token.json()["responseCode"]) == (400, "4007300"), token.text
    for path, code in ((VA_NOTIFY, "4003400"), (QRIS_NOTIFY, "4005200")):
        reply = await briSender.notify(path, {}, raw=deep)
        assert (reply.status_code, reply.json()["responseCode"]) == (400, code), reply.text


class DatabaseDown:
    async def __aenter__(self) -> DatabaseDown:
        raise ConnectionRefusedError("PostgreSQL is down")

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        return None


# Sends the refused call and answers it with the SNAP answer and the audit action it must get.
async def refusedCall(call: str, stack: PaymentStack, payer: Payer, database: Database,
                      sender: BriSender) -> tuple[httpx2.Response, int, bytes, str]:
    if call == "token":
        reply = await sender.token(signature=forgedSignature())
        return reply, 401, TOKEN_SIGNATURE_REFUSED, "payment.bri_inbound_rejected"
    token = await sender.accessToken()
    if call == "va":
        body = vaBody("   777770000000000", 15000, "7000000000000102")
        reply = await sender.notify(VA_NOTIFY, body, token=token, secret="guessed-secret")
        return reply, 401, VA_SIGNATURE_REFUSED, "payment.bri_inbound_rejected"
    # A real QR not paid at BRI, reported paid in the RSA form.
    created = (await stack.create(payer, amount=20000, method="qris")).json()
    stored = await storedPayment(database, created["id"])
    body = qrisBody(str(stored["bri_reference_no"]), str(stored["partner_reference_no"]), 20000)
    reply = await sender.notify(QRIS_NOTIFY, body, token=token, rsaClientId=CLIENT_ID)
    return reply, 500, QRIS_UNCONFIRMED, "payment.bri_report_unconfirmed"


@pytest.mark.parametrize("call", ["token", "va", "unconfirmed"])
async def test_refusalIsAnsweredWhenItsAuditRowCannotBeWritten(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender,
    monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    errors: list[tuple[str, dict[str, object]]] = []

    def recordError(label: str, message: str, error: BaseException | None = None, **fields: object) -> None:
        errors.append((label, {"error": type(error).__name__, **fields}))

    async def rejectionWithoutDatabase() -> InboundRejection:
        return InboundRejection(DatabaseDown)

    # Not app.state itself: monkeypatch would delete the attribute on undo (State keeps no __dict__ entries).
    monkeypatch.setitem(paymentStack.app.dependency_overrides, paymentDependencies.inboundRejection,
                        rejectionWithoutDatabase)
    monkeypatch.setattr(inboundRejection.logger, "error", recordError)
    reply, status, expected, action = await refusedCall(call, paymentStack, payer, database, briSender)
    assert (reply.status_code, reply.content) == (status, expected)
    requestId = reply.headers["x-request-id"]
    assert errors == [("bri_inbound_audit_failed",
                       {"error": "ConnectionRefusedError", "action": action, "request_id": requestId})]
    assert await auditRowsOf(database, requestId) == []
