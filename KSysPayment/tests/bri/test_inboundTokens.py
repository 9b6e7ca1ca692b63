from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from KSysPayment.backend.domain.exceptions.gatewayErrors import InboundTokenError
from KSysPayment.backend.infrastructure.bri.inboundAuth import InboundAuthenticator
from KSysPayment.backend.infrastructure.bri.inboundResponses import VA_NOTIFY_SERVICE_CODE, snapErrorResponse
from KSysPayment.backend.infrastructure.bri.inboundTokens import inboundTokenKeys, newInboundToken
from KSysPayment.backend.infrastructure.bri.keys import generatePrivateKey
from KSysPayment.backend.infrastructure.bri.snapSignature import minifiedJson, snapTimestamp
from KSysPayment.tests.bri.test_inboundAuth import (
    JWT_SECRET,
    NOTIFICATION,
    NOTIFY_PATH,
    NOW,
    TOKEN_KEYS,
    Clock,
    authenticatorWith,
    issue,
    notifyHeaders,
)
from shared.backend.security.secretTags import purposeKey

# The access tokens we issue to BRI verify themselves (a tag under a key derived from JWT_SECRET): any worker holding
# the secret accepts them, and a token we did not issue, or no longer accept, is refused as an unknown one always was.
OTHER_SECRET = "another-jwt-secret-of-the-inbound-tests-99"
UNKNOWN_TOKEN_ANSWER = (401, {"responseCode": "4013401", "responseMessage": "Invalid Token (B2B)"})
BODY = minifiedJson(NOTIFICATION)
LATER = NOW + timedelta(seconds=60)


@pytest.fixture(scope="module")
def briKey() -> RSAPrivateKey:
    return generatePrivateKey()


def authenticatorAt(briKey: RSAPrivateKey, tokenKeys: tuple[bytes, ...], at: datetime) -> InboundAuthenticator:
    clock = Clock()
    clock.value = at
    return authenticatorWith(briKey, tokenKeys, clock)


async def verify(authenticator: InboundAuthenticator, token: str) -> None:
    # A notification correctly signed over this token: only the token can make it fail.
    headers = notifyHeaders(token, BODY, timestamp=snapTimestamp(authenticator.now()))
    await authenticator.verifyTransaction(method="POST", endpointPaths=NOTIFY_PATH, headers=headers, rawBody=BODY)


async def refusedAsUnknown(authenticator: InboundAuthenticator, token: str) -> None:
    with pytest.raises(InboundTokenError) as caught:
        await verify(authenticator, token)
    assert caught.value.message == InboundTokenError.message
    assert snapErrorResponse(VA_NOTIFY_SERVICE_CODE, caught.value) == UNKNOWN_TOKEN_ANSWER


# Two workers (or a server restarted in between) build their authenticators from the same JWT_SECRET: one issues,
# the other accepts, with nothing shared but the secret.
async def test_aTokenIsAcceptedByAnotherInstanceHoldingTheSameSecret(briKey: RSAPrivateKey) -> None:
    token = await issue(authenticatorAt(briKey, TOKEN_KEYS, NOW), briKey)
    await verify(authenticatorAt(briKey, inboundTokenKeys(JWT_SECRET), LATER), token)


# The expiry is read against the server's clock: accepted through its 899 s, refused from then on.
async def test_aTokenIsRefusedOnceItsLifetimeIsOver(briKey: RSAPrivateKey) -> None:
    clock = Clock()
    authenticator = authenticatorWith(briKey, TOKEN_KEYS, clock)
    token = await issue(authenticator, briKey)
    clock.value = NOW + timedelta(seconds=899)
    await verify(authenticator, token)
    clock.value = NOW + timedelta(seconds=900)
    await refusedAsUnknown(authenticator, token)


def flipped(text: str, position: int) -> str:
    return text[:position] + ("A" if text[position] != "A" else "B") + text[position + 1:]


def laterExpiry(token: str) -> str:
    version, expiry, nonce, tag = token.split(".")
    return ".".join((version, str(int(expiry) + 86400), nonce, tag))


VARIANTS: dict[str, Callable[[str], str]] = {
    "garbage": lambda token: "a-token-we-never-issued",
    "truncated by one character": lambda token: token[:-1],
    "truncated to half": lambda token: token[: len(token) // 2],
    "without its tag": lambda token: token.rpartition(".")[0],
    "a tampered tag": lambda token: flipped(token, len(token) - 3),
    "a tampered random part": lambda token: flipped(token, token.rindex(".") - 3),
    "an expiry moved later": laterExpiry,
    "another format version": lambda token: "b2" + token[2:],
    "a part added": lambda token: token + ".x",
    "a non-ASCII tag": lambda token: token[:-1] + "\u00e9",
    "issued under another JWT secret": lambda token: newInboundToken(inboundTokenKeys(OTHER_SECRET)[0], LATER),
    "tagged for another purpose": lambda token: newInboundToken(purposeKey(JWT_SECRET, b"kauth refresh token tag v1"),
                                                                LATER),
}


@pytest.mark.parametrize("variant", VARIANTS)
async def test_aTokenWeDidNotIssueIsRefusedAsAnUnknownOne(briKey: RSAPrivateKey, variant: str) -> None:
    authenticator = authenticatorAt(briKey, TOKEN_KEYS, NOW)
    token = await issue(authenticator, briKey)
    await verify(authenticator, token)
    await refusedAsUnknown(authenticator, VARIANTS[variant](token))


# A JWT_SECRET rotation: with the old secret in JWT_PREVIOUS_SECRETS, BRI's token keeps working until it expires and
# new ones are tagged under the new secret; without it (a leaked secret), the token is refused: BRI fetches another.
async def test_aJwtSecretRotationKeepsTokensOnlyWhileTheOldSecretIsListed(briKey: RSAPrivateKey) -> None:
    before = await issue(authenticatorAt(briKey, TOKEN_KEYS, NOW), briKey)
    listed = authenticatorAt(briKey, inboundTokenKeys(OTHER_SECRET, JWT_SECRET), LATER)
    await verify(listed, before)
    after = await issue(listed, briKey)
    dropped = authenticatorAt(briKey, inboundTokenKeys(OTHER_SECRET), LATER)
    await verify(dropped, after)
    await refusedAsUnknown(dropped, before)
