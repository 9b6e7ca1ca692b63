from __future__ import annotations

from KSysAdmin.backend.domain.exceptions.adminErrors import AccountDeletedError, UserNotFoundError
from KSysAdmin.backend.domain.models.user import User, UserStatus


# The target of an admin's action as its use case loaded it (row locked): absent is 404; deleted by its holder
# (status deleted) is 409 for every action, its sessions having ended with the deletion.
def existingTarget(user: User | None) -> User:
    if user is None:
        raise UserNotFoundError()
    if user.status == UserStatus.DELETED.value:
        raise AccountDeletedError()
    return user


# As existingTarget; an account soft-deleted otherwise (deleted_at alone) is gone for changes too: 404.
def changeableTarget(user: User | None) -> User:
    target = existingTarget(user)
    if target.deletedAt is not None:
        raise UserNotFoundError()
    return target
