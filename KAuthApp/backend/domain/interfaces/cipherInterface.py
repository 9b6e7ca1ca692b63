from __future__ import annotations

from typing import Protocol


class CipherInterface(Protocol):
    async def encryptSensitiveAsync(self, text: str, context: str) -> str: ...

    async def decryptSensitiveAsync(self, value: str, context: str) -> str: ...

    def decryptSensitive(self, value: str, context: str) -> str: ...
