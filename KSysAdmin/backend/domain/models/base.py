from __future__ import annotations

from sqlmodel import SQLModel

from shared.backend.database.modelSupport import newRegistry


# KSysAdmin's own registry: the other services declare the same tables in their own registries.
class KSysAdminModel(SQLModel, registry=newRegistry()):
    pass
