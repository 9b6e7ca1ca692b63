from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from datetime import datetime
from typing import Literal, Protocol

import pyotp

STEP_SECONDS = 30
DRIFT_STEPS = 1

SecondFactorMethod = Literal["totp", "recovery_code"]


# The users columns of the second factor (the same in every service's users model).
class SecondFactorSubject(Protocol):
    @property
    def id(self) -> uuid.UUID: ...

    totpSecretEncrypted: str | None
    totpLastUsedStep: int | None


class SecretDecrypter(Protocol):
    async def decryptSensitiveAsync(self, value: str, context: str) -> str: ...


class RecoveryCodeConsumer(Protocol):
    async def consume(self, userId: uuid.UUID, codeHash: str, now: datetime) -> bool: ...


# The crypto context a TOTP secret is encrypted under: bound to its user.
def mfaContext(userId: uuid.UUID) -> str:
    return f"user:{userId}|mfa"


def currentStep(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


# RFC 6238 with one step of drift; returns the matched time step, or None. A step at or before
# lastUsedStep is refused so a code cannot be replayed inside its window. Digits outside ASCII (Arabic-Indic,
# fullwidth) pass isdigit() but would make compare_digest raise: they are a wrong code.
def matchTotp(secret: str, code: str, lastUsedStep: int | None, now: float | None = None) -> int | None:
    candidate = code.strip().replace(" ", "")
    if len(candidate) != 6 or not (candidate.isascii() and candidate.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    step = currentStep(now)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        expected = totp.generate_otp(step + offset)
        if hmac.compare_digest(expected, candidate):
            if lastUsedStep is not None and step + offset <= lastUsedStep:
                return None
            return step + offset
    return None


# Recovery codes are stored as this salted hash; a lookup by it is the comparison.
def recoveryCodeHash(userId: uuid.UUID, code: str) -> str:
    normalized = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{userId}:{normalized}".encode()).hexdigest()


async def totpSecretOf(cipher: SecretDecrypter, user: SecondFactorSubject) -> str | None:
    if user.totpSecretEncrypted is None:
        return None
    return await cipher.decryptSensitiveAsync(user.totpSecretEncrypted, mfaContext(user.id))


# Checks a TOTP code (refusing replays, and recording its step in users.totp_last_used_step) or consumes a
# single-use recovery code. Returns the method used, or None for a wrong code. The user row must be locked.
async def checkSecondFactor(
    cipher: SecretDecrypter,
    recoveryCodes: RecoveryCodeConsumer,
    user: SecondFactorSubject,
    totpCode: str | None,
    recoveryCode: str | None,
    now: datetime,
) -> SecondFactorMethod | None:
    if totpCode:
        secret = await totpSecretOf(cipher, user)
        step = matchTotp(secret, totpCode, user.totpLastUsedStep, now.timestamp()) if secret else None
        if step is None:
            return None
        user.totpLastUsedStep = step
        return "totp"
    if recoveryCode and await recoveryCodes.consume(user.id, recoveryCodeHash(user.id, recoveryCode), now):
        return "recovery_code"
    return None
