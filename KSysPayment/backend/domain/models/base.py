from __future__ import annotations

from sqlmodel import SQLModel

from shared.backend.database.modelSupport import newRegistry


# KSysPayment's own registry: KSysAdmin owns the schema (and its migrations); these are duplicates.
class KSysPaymentModel(SQLModel, registry=newRegistry()):
    pass
