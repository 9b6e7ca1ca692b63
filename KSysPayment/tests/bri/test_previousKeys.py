from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from structlog.testing import capture_logs

from KSysPayment.backend.domain.exceptions.gatewayErrors import InboundSignatureError
from KSysPayment.backend.infrastructure.bri.generateKeys import generatePairs
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.keys import generatePrivateKey
from KSysPayment.backend.infrastructure.bri.snapSignature import minifiedJson, rsaTokenSignature, snapTimestamp
from KSysPayment.tests.bri.test_inboundAuth import (
    CLIENT_ID,
    NOTIFICATION,
    NOTIFY_PATH,
    NOW,
    SECRET,
    TOKEN_BODY,
    TOKEN_KEYS,
    issue,
    notifyHeaders,
    tokenHeaders,
)
from shared.backend.config.briSettings import BriSettings
from shared.backend.config.settings import ConfigurationError, loadGroup

# While BRI switches: what it signed with before (BRI_PREVIOUS_PUBLIC_KEY_PATH, BRI_PREVIOUS_CLIENT_SECRET) still
# verifies its calls, after the current values and with a warning naming the setting; anything else is refused.
PREVIOUS_SECRET = "previous-inbound-secret-xyz"
QRIS_PATH = "/api/payment/snap/v1.1/qr/qr-mpm-notify"
QRIS_BODY = b'{"originalReferenceNo":"123","latestTransactionStatus":"00"}'


@pytest.fixture(scope="module")
def keys() -> dict[str, RSAPrivateKey]:
    return {name: generatePrivateKey() for name in ("current", "previous", "third")}


def authenticator(keys: dict[str, RSAPrivateKey], *, withPrevious: bool) -> InboundAuthenticator:
    return InboundAuthenticator(clientId=CLIENT_ID, clientSecret=SECRET, briPublicKey=keys["current"].public_key(),
                                tokenKeys=TOKEN_KEYS, now=lambda: NOW,
                                previousClientSecret=PREVIOUS_SECRET if withPrevious else None,
                                previousBriPublicKey=keys["previous"].public_key() if withPrevious else None)


def rsaQrisHeaders(token: str, key: RSAPrivateKey) -> dict[str, str]:
    stamp = snapTimestamp(NOW)
    return {"Authorization": f"Bearer {token}", "X-TIMESTAMP": stamp,
            "X-SIGNATURE": rsaTokenSignature(key, CLIENT_ID, stamp)}


# Each inbound check signed by key and secret: the token request, the VA notification, the QRIS one's RSA form.
async def verifyEachCheck(auth: InboundAuthenticator, key: RSAPrivateKey, secret: str) -> None:
    token = await issue(auth, key)
    body = minifiedJson(NOTIFICATION)
    call = await auth.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH,
                                        headers=notifyHeaders(token, body, secret=secret), rawBody=body)
    assert call.signatureKind == "hmac"
    qris = await auth.verifyQrisNotification(method="POST", endpointPaths=QRIS_PATH,
                                             headers=rsaQrisHeaders(token, key), rawBody=QRIS_BODY)
    assert qris.signatureKind == "rsa"


async def test_callsUnderThePreviousKeyAndSecretAreAcceptedAndLogged(keys: dict[str, RSAPrivateKey]) -> None:
    auth = authenticator(keys, withPrevious=True)
    with capture_logs() as logs:
        await verifyEachCheck(auth, keys["previous"], PREVIOUS_SECRET)
    warnings = [(log["log_level"], log["category"], log["verified_by"], log["check"]) for log in logs
                if log.get("label") == "bri_inbound_previous_key"]
    assert warnings == [("warning", "Security", "BRI_PREVIOUS_PUBLIC_KEY_PATH", "token"),
                        ("warning", "Security", "BRI_PREVIOUS_CLIENT_SECRET", "hmac"),
                        ("warning", "Security", "BRI_PREVIOUS_PUBLIC_KEY_PATH", "rsa")]
    assert PREVIOUS_SECRET not in repr(logs)


async def test_currentKeyAndSecretStillVerifyWithoutAWarning(keys: dict[str, RSAPrivateKey]) -> None:
    auth = authenticator(keys, withPrevious=True)
    with capture_logs() as logs:
        await verifyEachCheck(auth, keys["current"], SECRET)
    assert [log for log in logs if log.get("label") == "bri_inbound_previous_key"] == []


@pytest.mark.parametrize(("withPrevious", "signer", "secret"), [
    (True, "third", "third-unrelated-secret"),
    (False, "previous", PREVIOUS_SECRET),
], ids=["thirdKeyWhileSwitching", "previousKeyWhenNoneIsSet"])
async def test_otherKeysAndSecretsAreRefused(keys: dict[str, RSAPrivateKey], withPrevious: bool, signer: str,
                                            secret: str) -> None:
    auth = authenticator(keys, withPrevious=withPrevious)
    with pytest.raises(InboundSignatureError):
        await auth.issueAccessToken(tokenHeaders(keys[signer]), TOKEN_BODY)
    token = await issue(auth, keys["current"])
    body = minifiedJson(NOTIFICATION)
    with pytest.raises(InboundSignatureError):
        await auth.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH,
                                     headers=notifyHeaders(token, body, secret=secret), rawBody=body)
    with pytest.raises(InboundSignatureError):
        await auth.verifyQrisNotification(method="POST", endpointPaths=QRIS_PATH,
                                          headers=rsaQrisHeaders(token, keys[signer]), rawBody=QRIS_BODY)


def briFromEnvFile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> BriSettings:
    for name in ("BRI_CLIENT_SECRET", "BRI_PREVIOUS_CLIENT_SECRET", "BRI_PUBLIC_KEY_PATH",
                 "BRI_PREVIOUS_PUBLIC_KEY_PATH", "BRI_INBOUND_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    envFile = tmp_path / "env"
    envFile.write_text(text)
    return loadGroup(BriSettings, envFile)


def test_previousSecretEqualToTheCurrentStopsTheStart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="BRI_PREVIOUS_CLIENT_SECRET: is BRI_CLIENT_SECRET itself") as error:
        briFromEnvFile(tmp_path, monkeypatch, f"BRI_CLIENT_SECRET={SECRET}\nBRI_PREVIOUS_CLIENT_SECRET={SECRET}\n")
    assert SECRET not in str(error.value)


# Empty previous settings are no previous value: each check has the current one alone.
def test_emptyPreviousSettingsHoldNothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generatePairs(tmp_path)
    bri = briFromEnvFile(tmp_path, monkeypatch, f"BRI_CLIENT_SECRET={SECRET}\nBRI_INBOUND_CLIENT_ID={CLIENT_ID}\n"
                         f"BRI_PUBLIC_KEY_PATH={tmp_path / 'bri_public.pem'}\n"
                         "BRI_PREVIOUS_PUBLIC_KEY_PATH=\nBRI_PREVIOUS_CLIENT_SECRET=\n")
    assert (bri.briPreviousPublicKeyPath, bri.previousClientSecret.get_secret_value()) == (None, "")
    auth = InboundAuthenticator.fromSettings(bri, TOKEN_KEYS)
    assert [setting for _, setting in auth.hmacSecrets + auth.briPublicKeys] == ["BRI_CLIENT_SECRET",
                                                                                 "BRI_PUBLIC_KEY_PATH"]
