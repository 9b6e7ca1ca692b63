from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx2
import pytest
from pydantic import SecretStr

from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.backend.infrastructure.http.paymentService import createPaymentService
from KSysPayment.tests.support.briSender import VA_NOTIFY, BriSender, vaBody
from KSysPayment.tests.support.paymentQueries import auditRowsOf, eventOutcomes, storedPayment
from KSysPayment.tests.support.paymentStack import CLIENT_SECRET, Payer, PaymentStack
from shared.backend.appFactory import createApp
from shared.backend.config.settings import Settings, refuseUnsafeSettings
from shared.backend.database.engine import Database
from shared.backend.startupFailure import StartupError
from tests.support.inProcess import runningApp

# BRI switching keys: the public server holds BRI's new key and secret (current) and, until BRI has switched, the
# ones BRI signed with before (BRI_PREVIOUS_PUBLIC_KEY_PATH, BRI_PREVIOUS_CLIENT_SECRET), for inbound calls only.
PREVIOUS_SECRET = "bri-previous-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def previousKeyDir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("bri-previous-keys")
    generatePairs(directory)
    return directory


def withBri(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(settings, bri=settings.bri.model_copy(update=changes))


@pytest.fixture
async def switchingApp(paymentStack: PaymentStack, previousKeyDir: Path) -> AsyncIterator[httpx2.AsyncClient]:
    settings = withBri(paymentStack.settings, briPreviousPublicKeyPath=previousKeyDir / "bri_public.pem",
                       previousClientSecret=SecretStr(PREVIOUS_SECRET))
    async with runningApp(createApp(settings, createPaymentService(settings))) as client:
        yield client


# As BRI writes it: the 5-digit BRIVA number left-padded to 8 characters.
async def vaNumber(database: Database, created: dict[str, str]) -> str:
    return str((await storedPayment(database, created["id"]))["virtual_account_no"])


def previousKeyWarnings(output: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("label") == "bri_inbound_previous_key"]


async def test_notificationSignedUnderThePreviousKeyAndSecretSettlesAndIsLogged(
    paymentStack: PaymentStack, payer: Payer, database: Database, switchingApp: httpx2.AsyncClient,
    previousKeyDir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = (await paymentStack.create(payer)).json()
    notBriYet = BriSender(switchingApp, "", previousKeyDir)
    capsys.readouterr()
    token = await notBriYet.token()
    assert token.status_code == 200, token.text
    reply = await notBriYet.notify(VA_NOTIFY, vaBody(await vaNumber(database, created), 15000, "7000000000000301"),
                                   token=token.json()["accessToken"], secret=PREVIOUS_SECRET)
    assert (reply.status_code, reply.json()["responseCode"]) == (200, "2003400")
    assert (await storedPayment(database, created["id"]))["status"] == "paid"
    assert await eventOutcomes(database, created["id"]) == ["settled"]
    output = capsys.readouterr().out
    warnings = [(line["level"], line["category"], line["request_id"], line["verified_by"], line["check"])
                for line in previousKeyWarnings(output)]
    assert warnings == [
        ("warning", "Security", token.headers["x-request-id"], "BRI_PREVIOUS_PUBLIC_KEY_PATH", "token"),
        ("warning", "Security", reply.headers["x-request-id"], "BRI_PREVIOUS_CLIENT_SECRET", "hmac"),
    ]
    assert PREVIOUS_SECRET not in output


# A key and secret the server never held are refused and audited as before, while BRI switches.
async def test_callsUnderAThirdKeyAreRefusedWhileSwitching(
    paymentStack: PaymentStack, payer: Payer, database: Database, switchingApp: httpx2.AsyncClient,
    paymentKeyDir: Path, tmp_path: Path
) -> None:
    generatePairs(tmp_path)
    stranger = BriSender(switchingApp, "", tmp_path)
    refusedToken = await stranger.token()
    assert (refusedToken.status_code, refusedToken.json()["responseCode"]) == (401, "4017300")
    created = (await paymentStack.create(payer)).json()
    token = await BriSender(switchingApp, "", paymentKeyDir).accessToken()
    reply = await stranger.notify(VA_NOTIFY, vaBody(await vaNumber(database, created), 15000, "7000000000000302"),
                                  token=token, secret="third-unrelated-secret")
    assert (reply.status_code, reply.json()["responseCode"]) == (401, "4013400")
    for refused in (refusedToken, reply):
        [row] = await auditRowsOf(database, refused.headers["x-request-id"])
        assert (row["action"], row["details"]["code"]) == ("payment.bri_inbound_rejected",  # type: ignore[index]
                                                           "inbound_signature_invalid")
    assert (await storedPayment(database, created["id"]))["status"] == "pending"


# The shared stack holds no previous key or secret: what BRI signed with before is refused.
async def test_withoutPreviousValuesTheOldKeyAndSecretAreRefused(
    paymentStack: PaymentStack, payer: Payer, database: Database, briSender: BriSender, previousKeyDir: Path
) -> None:
    oldBri = BriSender(paymentStack.http, paymentStack.appUrl, previousKeyDir)
    refusedToken = await oldBri.token()
    assert (refusedToken.status_code, refusedToken.json()["responseCode"]) == (401, "4017300")
    created = (await paymentStack.create(payer)).json()
    reply = await briSender.notify(VA_NOTIFY, vaBody(await vaNumber(database, created), 15000, "7000000000000303"),
                                   secret=PREVIOUS_SECRET)
    assert (reply.status_code, reply.json()["responseCode"]) == (401, "4013400")
    assert (await storedPayment(database, created["id"]))["status"] == "pending"


@pytest.mark.parametrize("previous", ["garbage", "current"])
async def test_aMalformedOrCurrentPreviousKeyStopsTheStart(paymentStack: PaymentStack, tmp_path: Path,
                                                           previous: str) -> None:
    current = paymentStack.settings.bri.briPublicKeyPath
    assert current is not None
    garbage = tmp_path / "previous.pem"
    garbage.write_text("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n")
    path = garbage if previous == "garbage" else current
    problem = (f"cannot load public key {garbage}" if previous == "garbage"
               else f"{current} holds the key of BRI_PUBLIC_KEY_PATH itself")
    expected = f"BRI is not configured: BRI_PREVIOUS_PUBLIC_KEY_PATH: {problem}"
    settings = withBri(paymentStack.settings, briPreviousPublicKeyPath=path)
    with pytest.raises(StartupError, match=re.escape(expected)):
        async with runningApp(createApp(settings, createPaymentService(settings))):
            pass


# Outside development a placeholder is refused in the previous secret as in the current one.
def test_aPlaceholderPreviousSecretIsRefused(settings: Settings) -> None:
    settings = withBri(settings, previousClientSecret=SecretStr("change-me"))
    assert refuseUnsafeSettings(settings) == [
        "BRI_PREVIOUS_CLIENT_SECRET: is a placeholder; generate a real secret outside development"]
    assert refuseUnsafeSettings(withBri(settings, previousClientSecret=SecretStr(CLIENT_SECRET + "-old"))) == []
