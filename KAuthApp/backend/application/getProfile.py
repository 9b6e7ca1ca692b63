from __future__ import annotations

import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.profileReader import profileOf
from KAuthApp.backend.domain.exceptions.authErrors import UserNotFoundError


class GetProfile:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID) -> ProfileOutput:
        user = await self.ports.users.getById(userId)
        if user is None or user.deletedAt is not None:
            raise UserNotFoundError()
        return await profileOf(self.ports, user, await self.ports.users.rolesOf(userId))
