from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from asgi_lifespan import LifespanManager
from fastapi.responses import JSONResponse

from KSysPayment.backend.infrastructure.bri.briClient import BriSnapClient
from KSysPayment.backend.infrastructure.bri.snapSignature import hmacSignature, snapTimestamp, stringToSign
from KSysPayment.simulator.app import AllowedClientsOnly, createSimulatorApp, isLoopback
from KSysPayment.simulator.simulatorSettings import SimulatorSettings
from KSysPayment.tests.bri.briTestSupport import (
    CLIENT_SECRET,
    ClientFactory,
    Simulator,
    Stub,
    briSettings,
    runServer,
    simulatorSettings,
)
from shared.backend.startupFailure import StartupError

VA_NO = "   777771234567890"


async def createVa(makeClient: ClientFactory, expiresAt: datetime | None = None) -> None:
    client = makeClient()
    await client.createVirtualAccount(customerNo="1234567890", name="Budi", amount=10000,
                                      expiresAt=expiresAt or datetime.now(UTC) + timedelta(hours=1),
                                      trxId="trx-1", description="Order 1")


async def pay(simulator: Simulator, **body: object) -> httpx2.Response:
    return await simulator.http.post(f"{simulator.url}/simulator/pay", json=body, timeout=30)


async def test_payVirtualAccountSendsTokenCallThenSignedNotification(
    makeClient: ClientFactory, simulator: Simulator, merchantStub: Stub
) -> None:
    await createVa(makeClient)
    response = await pay(simulator, virtualAccountNo=VA_NO)
    assert response.status_code == 200
    result = response.json()
    assert result["token"] == {"status": 200}
    assert result["notifications"] == [{"status": 200, "body": {
        "responseCode": "2003400", "responseMessage": "Successful", "virtualAccountData": {}}}]
    assert merchantStub.app.state.tokens == 1
    kind, raw = merchantStub.app.state.received[0]
    assert kind == "va"
    notification = json.loads(raw)
    assert notification["virtualAccountNo"] == VA_NO
    assert notification["partnerServiceId"] == "   77777"
    assert notification["additionalInfo"]["paymentAmount"] == "10000.00"
    assert notification["paymentRequestId"] == result["paymentRequestId"]


async def test_duplicatesAmountOverrideAndCompactNumber(
    makeClient: ClientFactory, simulator: Simulator, merchantStub: Stub
) -> None:
    await createVa(makeClient)
    result = (await pay(simulator, virtualAccountNo="777771234567890", duplicate=3, amount=5000)).json()
    assert [item["status"] for item in result["notifications"]] == [200, 200, 200]
    bodies = [json.loads(raw) for _, raw in merchantStub.app.state.received]
    assert len({body["paymentRequestId"] for body in bodies}) == 1
    assert bodies[0]["additionalInfo"]["paymentAmount"] == "5000.00"


@pytest.mark.parametrize(("option", "code"), [("tamperSignature", "4013400"), ("tamperToken", "4013401")])
async def test_forgedNotificationsAreRefusedByOurVerifier(
    makeClient: ClientFactory, simulator: Simulator, merchantStub: Stub, option: str, code: str
) -> None:
    await createVa(makeClient)
    result = (await pay(simulator, virtualAccountNo=VA_NO, **{option: True})).json()
    assert result["notifications"][0]["status"] == 401
    assert result["notifications"][0]["body"]["responseCode"] == code
    assert merchantStub.app.state.received == []


async def test_expiredVirtualAccountNeedsAllowExpired(makeClient: ClientFactory, simulator: Simulator) -> None:
    await createVa(makeClient, expiresAt=datetime.now(UTC) - timedelta(minutes=1))
    assert (await pay(simulator, virtualAccountNo=VA_NO)).status_code == 409
    late = await pay(simulator, virtualAccountNo=VA_NO, allowExpired=True)
    assert late.json()["notifications"][0]["status"] == 200
    assert (await pay(simulator, virtualAccountNo="   77777999")).status_code == 404


async def test_inspectionAndReset(makeClient: ClientFactory, simulator: Simulator) -> None:
    await createVa(makeClient)
    await pay(simulator, virtualAccountNo=VA_NO)
    state = await simulator.stats()
    assert state["virtualAccounts"][0]["paidStatus"] == "Y"  # type: ignore[index]
    assert len(state["payments"]) == 1  # type: ignore[arg-type]
    await simulator.http.post(f"{simulator.url}/simulator/reset")
    state = await simulator.stats()
    assert state["virtualAccounts"] == []
    assert state["payments"] == []


async def test_simulatorChecksHeadersTokenAndSignature(simulator: Simulator) -> None:
    path = "/snap/v1.0/transfer-va/inquiry-va"
    body = b'{"partnerServiceId":"   77777","customerNo":"1","virtualAccountNo":"   777771","trxId":"t"}'
    stamp = snapTimestamp(datetime.now(UTC))
    signature = hmacSignature(CLIENT_SECRET, stringToSign("POST", path, "unknown", body, stamp))
    headers = {"Authorization": "Bearer unknown", "X-TIMESTAMP": stamp, "X-SIGNATURE": signature,
               "X-PARTNER-ID": "p", "CHANNEL-ID": "95221", "X-EXTERNAL-ID": "1", "Content-Type": "application/json"}
    response = await simulator.http.post(simulator.url + path, content=body, headers=headers)
    assert (response.status_code, response.json()["responseCode"]) == (401, "4013001")
    del headers["X-SIGNATURE"]
    response = await simulator.http.post(simulator.url + path, content=body, headers=headers)
    assert (response.status_code, response.json()["responseCode"]) == (400, "4003002")
    response = await simulator.http.post(f"{simulator.url}/snap/v1.0/access-token/b2b", json={})
    assert (response.status_code, response.json()["responseCode"]) == (400, "4007302")


def test_loopbackOnly() -> None:
    assert isLoopback("127.0.0.1")
    assert isLoopback("::1")
    assert not isLoopback("10.0.0.5")
    assert not isLoopback(None)
    assert not isLoopback("testclient")


@pytest.mark.parametrize(("client", "expected"), [("127.0.0.1", 200), ("10.0.0.5", 403)])
async def test_loopbackOnlyRefusesOtherClients(client: str, expected: int) -> None:
    inner = JSONResponse({"reached": True})
    transport = httpx2.ASGITransport(app=AllowedClientsOnly(inner), client=(client, 40000))
    async with httpx2.AsyncClient(transport=transport, base_url="http://simulator") as http:
        response = await http.get("/simulator/payments")
    assert response.status_code == expected
    assert response.json() == ({"reached": True} if expected == 200
                               else {"responseCode": "4030000", "responseMessage": "Forbidden"})


async def simulatorStatus(settings: SimulatorSettings, client: str) -> int:
    async with LifespanManager(createSimulatorApp(settings)) as manager:
        transport = httpx2.ASGITransport(app=manager.app, client=(client, 40000))
        async with httpx2.AsyncClient(transport=transport, base_url="http://simulator") as http:
            return (await http.get("/simulator/payments")).status_code


# Under docker-compose the public server calls from the compose network: SIM_ALLOWED_NETWORKS lets that network in
# besides loopback; without it the simulator stays loopback only.
@pytest.mark.parametrize(("client", "expected"), [
    ("172.28.73.130", 200), ("::ffff:172.28.73.9", 200), ("fd00::5", 200), ("127.0.0.1", 200),
    ("172.28.74.1", 403), ("10.0.0.5", 403),
])
async def test_allowedNetworksLetTheirCallersIn(keyDir: Path, client: str, expected: int) -> None:
    settings = simulatorSettings(keyDir, "http://127.0.0.1:9", SIM_ALLOWED_NETWORKS="172.28.73.0/24, fd00::/64")
    assert await simulatorStatus(settings, client) == expected


async def test_withoutAllowedNetworksOnlyLoopbackGetsIn(keyDir: Path) -> None:
    settings = simulatorSettings(keyDir, "http://127.0.0.1:9", SIM_ALLOWED_NETWORKS="")
    assert settings.allowedNetworks == []
    assert await simulatorStatus(settings, "172.28.73.130") == 403
    assert await simulatorStatus(settings, "127.0.0.1") == 200


def test_allowedNetworksAreReadFromTheEnvironment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_ALLOWED_NETWORKS", "172.28.73.0/24,2001:db8::/32")
    assert [str(network) for network in SimulatorSettings().allowedNetworks] == ["172.28.73.0/24", "2001:db8::/32"]


# Anything but networks in CIDR notation stops the simulator at start, naming the variable.
@pytest.mark.parametrize("value", ["172.28.73.0/33", "simulator", "172.28.73.5/24", "172.28.73.0/24,,10.0.0.0/8",
                                   '["172.28.73.0/24"]'])
async def test_invalidAllowedNetworksStopTheStartNamingTheVariable(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SIM_ALLOWED_NETWORKS", value)
    with pytest.raises(StartupError, match=r"^BRI simulator cannot start: invalid configuration: SIM_ALLOWED_NETWORKS: "
                                           r"Value error, .* is not a network in CIDR notation"):
        async with LifespanManager(createSimulatorApp()):
            pass


@pytest.mark.parametrize(
    ("overrides", "expectedKind"),
    [({"SIM_QRIS_NOTIFY_SIGNATURE": "rsa"}, "qris-rsa"),
     ({"SIM_SIGNATURE_ENCODING": "base64"}, "qris-hmac")],
)
async def test_otherNotificationModes(
    keyDir: Path, merchantStub: Stub, simulator: Simulator, overrides: dict[str, object], expectedKind: str
) -> None:
    settings = simulatorSettings(keyDir, merchantStub.url, **overrides)
    async with runServer(createSimulatorApp(settings)) as url:
        other = Simulator(url, settings, simulator.http)

        client = BriSnapClient.fromSettings(briSettings(keyDir, url))
        try:
            qr = await client.generateQris(partnerReferenceNo="order-9", amount=15000)
            await client.createVirtualAccount(customerNo="42", name="Ani", amount=20000,
                                              expiresAt=datetime.now(UTC) + timedelta(hours=1), trxId="t-42",
                                              description="x")
        finally:
            await client.aclose()
        qrResult = (await pay(other, referenceNo=qr.referenceNo)).json()
        assert qrResult["notifications"][0]["body"]["responseCode"] == "2005200"
        vaResult = (await pay(other, virtualAccountNo="   7777742")).json()
        assert vaResult["notifications"][0]["body"]["responseCode"] == "2003400"
    kinds = [kind for kind, _ in merchantStub.app.state.received]
    assert kinds == [expectedKind, "va"]
