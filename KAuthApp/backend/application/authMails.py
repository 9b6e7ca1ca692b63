from __future__ import annotations

from urllib.parse import urlencode

from KAuthApp.backend.domain.interfaces.mailerInterface import MailMessage


def frontendLink(baseUrl: str, path: str, token: str) -> str:
    return f"{baseUrl.rstrip('/')}{path}?{urlencode({'token': token})}"


def verificationMail(email: str, baseUrl: str, token: str, ttlSeconds: int) -> MailMessage:
    link = frontendLink(baseUrl, "/auth/verify-email", token)
    hours = max(1, ttlSeconds // 3600)
    text = (f"Welcome to KServices.\n\nConfirm your email address by opening this link within {hours} hour(s):\n"
            f"{link}\n\nIf you did not create an account, ignore this message.\n")
    return MailMessage(to=email, subject="Confirm your KServices email address", text=text)


def alreadyRegisteredMail(email: str, baseUrl: str) -> MailMessage:
    text = ("Someone tried to create a KServices account with this email address, which already has one.\n\n"
            f"If it was you, sign in at {baseUrl.rstrip('/')}/auth/login or reset your password at "
            f"{baseUrl.rstrip('/')}/auth/forgot-password.\nIf it was not you, you can ignore this message.\n")
    return MailMessage(to=email, subject="Your KServices account already exists", text=text)


def resetMail(email: str, baseUrl: str, token: str, ttlSeconds: int) -> MailMessage:
    link = frontendLink(baseUrl, "/auth/reset-password", token)
    minutes = max(1, ttlSeconds // 60)
    text = (f"A password reset was requested for your KServices account.\n\nOpen this link within {minutes} "
            f"minutes to choose a new password:\n{link}\n\nIf you did not ask for this, ignore this message; "
            "your password stays unchanged.\n")
    return MailMessage(to=email, subject="Reset your KServices password", text=text)
