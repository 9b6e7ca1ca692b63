from __future__ import annotations

import hmac
import time

import pyotp

STEP_SECONDS = 30
DRIFT_STEPS = 1


def newTotpSecret() -> str:
    return pyotp.random_base32()


def provisioningUri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=issuer)


def currentStep(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


# RFC 6238 with one step of drift; returns the matched time step, or None. A step at or before
# lastUsedStep is refused so a code cannot be replayed inside its window.
def matchTotp(secret: str, code: str, lastUsedStep: int | None, now: float | None = None) -> int | None:
    candidate = code.strip().replace(" ", "")
    if len(candidate) != 6 or not candidate.isdigit():
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
