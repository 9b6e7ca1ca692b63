from __future__ import annotations

import pyotp

# The check itself is shared with the admin console's login; re-exported for KAuthApp's callers.
from shared.backend.security.secondFactor import STEP_SECONDS as STEP_SECONDS
from shared.backend.security.secondFactor import matchTotp as matchTotp


def newTotpSecret() -> str:
    return pyotp.random_base32()


def provisioningUri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=issuer)
