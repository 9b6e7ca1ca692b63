from __future__ import annotations

from shared.backend.security.passwordForm import passwordForm

MIN_LENGTH = 12
MAX_LENGTH = 128
# A few of the most common admin choices; KAuthApp ships the full list for end users.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "administrator", "admin123456", "superadmin", "qwertyuiop",
    "1234567890", "123456789012", "letmein123", "welcome12345", "changeme1234", "iloveyou1234",
})


# Judged in the form that is hashed (NFKC).
def passwordProblems(password: str, email: str) -> list[str]:
    password = passwordForm(password)
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    localPart = email.split("@", 1)[0].lower()
    if localPart and len(localPart) >= 3 and localPart in lowered:
        problems.append("must not contain the email's local part")
    if lowered in COMMON_PASSWORDS or len(set(password)) < 5:
        problems.append("is too common or too repetitive")
    return problems
