from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest

from KSysPayment.backend.domain.exceptions.gatewayErrors import (
    GatewayAuthError,
    GatewayBadResponseError,
    GatewayConflictError,
    GatewayDuplicateExternalIdError,
    GatewayNotFoundError,
    GatewayRejectedError,
    GatewayTimeoutError,
    GatewayUnavailableError,
)
from KSysPayment.backend.domain.gatewayTypes import GatewayPaymentState
from KSysPayment.backend.domain.paymentGatewayInterface import PaymentGatewayInterface
from KSysPayment.backend.infrastructure.bri.snapAmount import snapMoney
from KSysPayment.tests.bri.briTestSupport import ClientFactory, Simulator

VA = "/snap/v1.0/transfer-va"
TOKEN_PATH = "/snap/v1.0/access-token/b2b"


def expiry() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


async def createVa(client: PaymentGatewayInterface, customerNo: str = "1234567890", trxId: str = "trx-1") -> None:
    await client.createVirtualAccount(customerNo=customerNo, name="Budi", amount=10000, expiresAt=expiry(),
                                      trxId=trxId, description="Order 1")


async def test_virtualAccountLifecycle(makeClient: ClientFactory, simulator: Simulator) -> None:
    client: PaymentGatewayInterface = makeClient()
    va = await client.createVirtualAccount(customerNo="1234567890", name="Budi", amount=10000,
                                           expiresAt=expiry(), trxId="trx-1", description="Order 1")
    assert va.virtualAccountNo == "   777771234567890"
    assert va.partnerServiceId == "   77777"
    assert va.amount == 10000
    assert va.paid is False
    assert va.expiresAt is not None
    stored = (await simulator.stats())["virtualAccounts"]
    assert isinstance(stored, list)
    assert stored[0]["virtualAccountNo"] == "   777771234567890"
    assert stored[0]["additionalInfo"] == {"description": "Order 1"}
    inquired = await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
    assert inquired == va
    status = await client.virtualAccountStatus(customerNo="1234567890", inquiryRequestId="inq-1")
    assert status.state == GatewayPaymentState.PENDING
    await client.deleteVirtualAccount(customerNo="1234567890", trxId="trx-1")
    with pytest.raises(GatewayNotFoundError) as caught:
        await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
    assert caught.value.responseCode == "4043012"
    with pytest.raises(GatewayNotFoundError):
        await client.deleteVirtualAccount(customerNo="1234567890", trxId="trx-1")


async def test_paidVirtualAccountStatus(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await createVa(client)
    paid = await simulator.http.post(f"{simulator.url}/simulator/pay",
                                     json={"virtualAccountNo": "   777771234567890"})
    assert paid.status_code == 200
    status = await client.virtualAccountStatus(customerNo="1234567890", inquiryRequestId="inq-2")
    assert status.state == GatewayPaymentState.PAID
    assert status.paidAmount == 10000
    assert status.paymentRequestId == paid.json()["paymentRequestId"]
    assert (await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")).paid is True


async def test_duplicateVirtualAccountIsConflict(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await createVa(client)
    with pytest.raises(GatewayConflictError) as caught:
        await createVa(client)
    assert caught.value.responseCode == "4092701"
    assert not isinstance(caught.value, GatewayDuplicateExternalIdError)


@pytest.mark.parametrize("variant", ["v1.0", "v1.1"])
async def test_qrisGenerateAndQuery(makeClient: ClientFactory, simulator: Simulator, variant: str) -> None:
    overrides: dict[str, object] = {}
    if variant == "v1.1":
        overrides = {"BRI_QRIS_GENERATE_PATH": "/snap/v1.1/qr/qr-mpm-generate",
                     "BRI_QRIS_QUERY_PATH": "/snap/v1.1/qr/qr-mpm-query"}
    client = makeClient(settingsOverrides=overrides)
    qr = await client.generateQris(partnerReferenceNo="order-77", amount=25000)
    assert qr.partnerReferenceNo == "order-77"
    assert qr.qrContent.startswith("000201")
    assert "540525000" in qr.qrContent
    pending = await client.queryQris(referenceNo=qr.referenceNo)
    assert pending.state == GatewayPaymentState.PENDING
    assert pending.amount == 25000
    paid = await simulator.http.post(f"{simulator.url}/simulator/pay", json={"partnerReferenceNo": "order-77"})
    assert paid.json()["notifications"][0]["body"]["responseCode"] == "2005200"
    settled = await client.queryQris(referenceNo=qr.referenceNo)
    assert settled.state == GatewayPaymentState.PAID
    assert settled.statusCode == "00"
    assert settled.partnerReferenceNo == "order-77"
    with pytest.raises(GatewayNotFoundError):
        await client.queryQris(referenceNo="000000000000")
    with pytest.raises(GatewayConflictError):
        await client.generateQris(partnerReferenceNo="order-77", amount=25000)


async def test_tokenFetchedOnceForManyCalls(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await createVa(client)
    for _ in range(5):
        await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
    await asyncio.gather(*(client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
                           for _ in range(20)))
    assert (await simulator.stats())["tokensIssued"] == 1
    assert await simulator.calls(f"{VA}/inquiry-va") == 25


async def test_singleRefreshUnderTwentyConcurrentCalls(makeClient: ClientFactory, simulator: Simulator) -> None:
    clock = [0.0]
    client = makeClient(clock=lambda: clock[0])
    await createVa(client)
    assert (await simulator.stats())["tokensIssued"] == 1
    clock[0] += 798
    await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
    assert (await simulator.stats())["tokensIssued"] == 1
    clock[0] += 2  # 800 s: about 100 s before the 899 s expiry
    await asyncio.gather(*(client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
                           for _ in range(20)))
    assert (await simulator.stats())["tokensIssued"] == 2


async def test_base64SignatureEncodingAccepted(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient(settingsOverrides={"BRI_SIGNATURE_ENCODING": "base64"})
    await createVa(client)
    assert (await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")).amount == 10000


# BRI answers a reused X-EXTERNAL-ID 409xx00 and did not process the call: sent again once with a new id (here the
# same, as a broken generator would), then raised as its own error, never a conflict (which reads as "paid").
async def test_reusedExternalIdIsAnswered409(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient(externalIdFactory=lambda: "20260101000000000001")
    await createVa(client)
    with pytest.raises(GatewayDuplicateExternalIdError) as caught:
        await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
    assert caught.value.responseCode == "4093000"
    assert caught.value.code == "gateway_duplicate_external_id"
    assert not isinstance(caught.value, GatewayConflictError | GatewayRejectedError)
    assert await simulator.calls(f"{VA}/inquiry-va") == 2


# A call BRI answers 409xx00 is sent again with a new X-EXTERNAL-ID, a create (never retried otherwise) and a delete
# included: BRI did not process it, as after a 401. It failed as a conflict, and a VA delete's conflict reads "paid".
async def test_reusedExternalIdIsSentAgainWithANewOne(makeClient: ClientFactory, simulator: Simulator) -> None:
    ids = iter(["111", "111", "222", "222", "333", "333", "444"])
    client = makeClient(externalIdFactory=lambda: next(ids))
    await createVa(client)
    await createVa(client, customerNo="555", trxId="trx-2")
    assert await simulator.calls(f"{VA}/create-va") == 3
    await client.deleteVirtualAccount(customerNo="555", trxId="trx-2")
    assert await simulator.calls(f"{VA}/delete-va") == 2
    assert (await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")).amount == 10000
    stored = (await simulator.stats())["virtualAccounts"]
    assert isinstance(stored, list)
    assert [va["virtualAccountNo"] for va in stored] == ["   777771234567890"]


async def test_badSecretIsRejectedAsAuthError(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient(settingsOverrides={"BRI_CLIENT_SECRET": "wrong-secret"})
    with pytest.raises(GatewayAuthError) as caught:
        await createVa(client)
    assert caught.value.responseCode == "4012700"
    assert caught.value.code == "gateway_auth_failed"
    # The 401 drops the cached token and retries exactly once.
    assert (await simulator.stats())["tokensIssued"] == 2
    assert await simulator.calls(f"{VA}/create-va") == 2


async def test_badPrivateKeyIsRejectedAtTheTokenCall(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient(settingsOverrides={"BRI_CLIENT_ID": "someone-else"})
    with pytest.raises(GatewayAuthError) as caught:
        await createVa(client)
    assert caught.value.responseCode == "4017300"
    assert await simulator.calls(TOKEN_PATH) == 1


async def test_expiredTokenAtBriIsRefreshedOnce(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await createVa(client)
    # Forget every token BRI issued: the cached one now gets 401 and is replaced.
    await simulator.http.post(f"{simulator.url}/simulator/reset")
    await createVa(client, customerNo="555", trxId="trx-2")
    assert (await simulator.stats())["tokensIssued"] == 1
    assert await simulator.calls(f"{VA}/create-va") == 2


async def test_idempotentCallsAreRetried(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await createVa(client)
    await simulator.fault(f"{VA}/inquiry-va", count=2, status=503)
    assert (await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")).amount == 10000
    assert await simulator.calls(f"{VA}/inquiry-va") == 3
    await simulator.fault(f"{VA}/status", count=5, status=500)
    with pytest.raises(GatewayUnavailableError) as caught:
        await client.virtualAccountStatus(customerNo="1234567890", inquiryRequestId="inq-1")
    assert caught.value.responseCode == "5002600"
    assert await simulator.calls(f"{VA}/status") == 3


async def test_createIsNeverRetried(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    await simulator.fault(f"{VA}/create-va", count=1, status=503)
    with pytest.raises(GatewayUnavailableError):
        await createVa(client)
    assert await simulator.calls(f"{VA}/create-va") == 1
    await simulator.fault("/v1.0/qr-dynamic-mpm/qr-mpm-generate-qr", count=1, status=504)
    with pytest.raises(GatewayTimeoutError):
        await client.generateQris(partnerReferenceNo="order-1", amount=10000)
    assert await simulator.calls("/v1.0/qr-dynamic-mpm/qr-mpm-generate-qr") == 1


async def test_unreachableBriIsUnavailableWithoutNamingTheHost(makeClient: ClientFactory) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = makeClient(settingsOverrides={"BRI_BASE_URL": f"http://127.0.0.1:{port}"})
    with pytest.raises(GatewayUnavailableError) as caught:
        await createVa(client)
    # The message reaches API answers and the payment's failure reason: the error's kind, not our network.
    assert caught.value.message == "BRI token endpoint unreachable: ClientConnectorError"
    assert str(port) not in caught.value.message


async def test_createTimeoutIsOutcomeUnknown(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient(settingsOverrides={"BRI_TIMEOUT_SECONDS": 0.3})
    await simulator.fault(f"{VA}/create-va", count=1, status=None, delaySeconds=0.6)
    with pytest.raises(GatewayTimeoutError):
        await createVa(client)
    assert await simulator.calls(f"{VA}/create-va") == 1
    # BRI did create it once its delay ran out: the service reconciles with inquiry instead of creating again.
    async with asyncio.timeout(10):
        while True:
            try:
                found = await client.inquiryVirtualAccount(customerNo="1234567890", trxId="trx-1")
                break
            except GatewayNotFoundError:  # the simulator is still inside the delay
                await asyncio.sleep(0.1)
    assert found.amount == 10000


async def test_simulatorRejectsAStrippedPartnerServiceId(makeClient: ClientFactory, simulator: Simulator) -> None:
    client = makeClient()
    body: dict[str, object] = {
        "partnerServiceId": "77777", "customerNo": "1234567890", "virtualAccountNo": "777771234567890",
        "virtualAccountName": "Budi", "totalAmount": snapMoney(10000),
        "expiredDate": "2030-01-01T00:00:00+07:00", "trxId": "t", "additionalInfo": {},
    }
    with pytest.raises(GatewayRejectedError) as caught:
        await client.transport.call("POST", f"{VA}/create-va", body, idempotent=False)
    assert caught.value.responseCode == "4002701"


# A success answer that says nothing of the payment is unreadable, not "unpaid" (which would let reconciliation
# expire a payment unflagged and a cancel go ahead though BRI never said the VA was unpaid).
@pytest.mark.parametrize("virtualAccountData", [None, {"virtualAccountNo": "   777771234567890"}],
                         ids=["no virtualAccountData", "no status field"])
async def test_vaStatusWithoutAPaymentStatusIsABadResponse(
    makeClient: ClientFactory, monkeypatch: pytest.MonkeyPatch, virtualAccountData: dict[str, object] | None
) -> None:
    client = makeClient()
    answer: dict[str, object] = {"responseCode": "2002600", "responseMessage": "Successful"}
    if virtualAccountData is not None:
        answer["virtualAccountData"] = virtualAccountData

    async def answered(*args: object, **options: object) -> dict[str, object]:
        return answer

    monkeypatch.setattr(client.transport, "call", answered)
    with pytest.raises(GatewayBadResponseError):
        await client.virtualAccountStatus(customerNo="1234567890", inquiryRequestId="inq-1")
