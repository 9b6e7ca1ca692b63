from __future__ import annotations

from sqlmodel import SQLModel

from shared.backend.database.modelSupport import newRegistry


# KAuthApp's own registry: KSysAdmin owns the schema (and its migrations); these are duplicates.
class KAuthModel(SQLModel, registry=newRegistry()):
    pass
