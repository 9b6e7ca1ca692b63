from __future__ import annotations

import pyotp

# The check itself is shared with the admin console's login; KAuthApp's callers go through matchTotp below.
from shared.backend.security import secondFactor
from shared.backend.security.secondFactor import STEP_SECONDS as STEP_SECONDS


def newTotpSecret() -> str:
    return pyotp.random_base32()


def provisioningUri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=issuer)


# Digits outside ASCII ("١٢٣٤٥٦", fullwidth ones) pass the shared check's str.isdigit(), and its compare_digest
# raises TypeError on non-ASCII text: such a code is a wrong code (counted, audited), never a 500.
def plausibleCode(code: str) -> bool:
    return code.isascii()


def matchTotp(secret: str, code: str, lastUsedStep: int | None, now: float | None = None) -> int | None:
    if not plausibleCode(code):
        return None
    return secondFactor.matchTotp(secret, code, lastUsedStep, now)
