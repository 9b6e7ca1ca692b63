from __future__ import annotations

from KAuthApp.backend.application.totpInputs import TotpDisableInput


# The proof MFA disable asks for: the password always, a TOTP code or a recovery code when TOTP is on.
class DeleteAccountInput(TotpDisableInput):
    pass
