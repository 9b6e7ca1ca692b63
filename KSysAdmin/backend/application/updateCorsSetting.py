from __future__ import annotations

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.authorizeAdmin import confirmCaller
from KSysAdmin.backend.application.settingsInput import CorsInput
from KSysAdmin.backend.application.settingsOutput import CorsOutput
from KSysAdmin.backend.application.settingsPublication import publishOrRaise
from KSysAdmin.backend.domain.adminPrincipal import AdminPrincipal, RequestContext
from KSysAdmin.backend.domain.exceptions.adminErrors import InvalidSettingError, StaleVersionError
from KSysAdmin.backend.domain.interfaces.settingsPublisherInterface import SettingsPublisherInterface
from KSysAdmin.backend.domain.interfaces.settingsRepositoryInterface import SettingsRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.interfaces.userRepositoryInterface import UserRepositoryInterface
from KSysAdmin.backend.domain.models.auditLog import AuditOutcome
from KSysAdmin.backend.domain.settingsDocuments import SettingName, corsDocument, storedOrigins

ACTION = "settings.cors_update"


class UpdateCorsSetting:
    def __init__(
        self,
        settings: SettingsRepositoryInterface,
        users: UserRepositoryInterface,
        publisher: SettingsPublisherInterface,
        audit: AuditTrail,
        transaction: TransactionInterface,
        httpsOnly: bool,
    ) -> None:
        self.settings = settings
        self.users = users
        self.publisher = publisher
        self.audit = audit
        self.transaction = transaction
        self.httpsOnly = httpsOnly

    async def execute(self, principal: AdminPrincipal, data: CorsInput, context: RequestContext) -> CorsOutput:
        name = SettingName.CORS.value
        async with self.audit.audited(context, principal, ACTION, "setting", name):
            # The roles lock before the setting's row (one lock order), then the caller read again under it.
            await self.users.lockRoleChanges()
            principal = await confirmCaller(self.users, principal, requireSuperadmin=True)
            duplicates = sorted({origin for origin in data.origins if data.origins.count(origin) > 1})
            if duplicates:
                detail = {"field": "origins", "message": f"duplicate origin {duplicates[0]}"}
                raise InvalidSettingError(details=[detail])
            # In production, as CORS_ORIGINS: a page served over http can be rewritten in transit.
            plain = [origin for origin in data.origins if not origin.startswith("https://")]
            if self.httpsOnly and plain:
                detail = {"field": "origins", "message": f"{plain[0]} must be an https:// origin in production"}
                raise InvalidSettingError(details=[detail])
            # Copied before the update: reading the row back refreshes the same ORM instance in place.
            previous = await self.settings.get(name)
            previousOrigins = storedOrigins(previous.value) if previous else None
            stored = await self.settings.compareAndSet(name, data.version, {"origins": data.origins}, principal.userId)
            if stored is None:
                raise StaleVersionError(details=[{"field": "version", "message": "not the current version"}])
            await self.audit.record(context, principal, ACTION, AuditOutcome.SUCCESS, "setting", name, {
                "version": stored.version,
                "from": previousOrigins,
                "to": data.origins,
            })
            await self.transaction.commit()
        await publishOrRaise(self.publisher, name, corsDocument(stored.version, data.origins))
        return CorsOutput(version=stored.version, origins=data.origins, updatedAt=stored.updatedAt,
                          updatedBy=stored.updatedBy)
