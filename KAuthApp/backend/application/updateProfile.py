from __future__ import annotations

import re
import uuid

from KAuthApp.backend.application.authPorts import AuthPorts
from KAuthApp.backend.application.profileInput import ProfileInput
from KAuthApp.backend.application.profileOutput import ProfileOutput
from KAuthApp.backend.application.profileReader import profileFromUser, profileOutput
from KAuthApp.backend.application.signedInUser import lockSignedInUser
from KAuthApp.backend.domain.models.auditLog import AuditOutcome
from shared.backend.database.modelSupport import utcNow
from shared.backend.security.fieldContexts import phoneContext


def normalizePhone(value: str) -> str:
    return re.sub(r"[ \-]", "", value)


class UpdateProfile:
    def __init__(self, ports: AuthPorts) -> None:
        self.ports = ports

    async def execute(self, userId: uuid.UUID, sessionId: uuid.UUID, data: ProfileInput) -> ProfileOutput:
        ports = self.ports
        user = await lockSignedInUser(ports, userId, sessionId)
        changed = sorted(data.model_fields_set)
        if "displayName" in data.model_fields_set:
            user.displayName = data.displayName
        if "phoneNumber" in data.model_fields_set:
            user.phoneEncrypted = (
                await ports.cipher.encryptSensitiveAsync(normalizePhone(data.phoneNumber), phoneContext(user.id))
                if data.phoneNumber else None
            )
        user.updatedAt = utcNow()
        await ports.users.flush()
        await ports.audit.record("auth.profile_update", AuditOutcome.SUCCESS, actorId=userId, targetId=userId,
                                 details={"fields": changed})
        await ports.transaction.commit()
        return profileOutput(profileFromUser(user, await ports.users.rolesOf(userId)), ports.cipher)
