from __future__ import annotations

from typing import Protocol


class SettingsPublisherInterface(Protocol):
    async def publish(self, name: str, document: dict[str, object], force: bool = False) -> bool: ...

    async def unpublish(self, name: str) -> bool: ...
