from __future__ import annotations

import uuid

from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.profileReader import profileOutput
from KAuthApp.backend.domain.exceptions.authErrors import UserNotFoundError
from KAuthApp.backend.domain.interfaces.cipherInterface import CipherInterface
from KAuthApp.backend.domain.interfaces.profileQueryInterface import ProfileQueryInterface


# Read only: one query for the user and its roles, no transaction and no other port.
class GetProfile:
    def __init__(self, profiles: ProfileQueryInterface, cipher: CipherInterface) -> None:
        self.profiles = profiles
        self.cipher = cipher

    async def execute(self, userId: uuid.UUID) -> ProfileOutput:
        profile = await self.profiles.profileOf(userId)
        if profile is None:
            raise UserNotFoundError()
        return profileOutput(profile, self.cipher)
