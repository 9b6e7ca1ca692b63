from __future__ import annotations

import unicodedata


# NIST SP 800-63B: a password is hashed, verified and judged in its NFKC form, so the same characters typed on
# another keyboard or system (a composed or decomposed accent, fullwidth letters) are the same password. ASCII is
# its own NFKC form, so the usual login pays only the isascii() check.
def passwordForm(password: str) -> str:
    return password if password.isascii() else unicodedata.normalize("NFKC", password)
