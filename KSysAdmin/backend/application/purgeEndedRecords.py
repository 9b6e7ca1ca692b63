from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.domain.adminPrincipal import RequestContext
from KSysAdmin.backend.domain.interfaces.retentionRepositoryInterface import RetentionRepositoryInterface
from KSysAdmin.backend.domain.interfaces.transactionInterface import TransactionInterface
from KSysAdmin.backend.domain.models.auditLog import ActorType, AuditOutcome
from shared.backend.database.modelSupport import utcNow
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.utils.uuid import generateId

logger = getSystemLogger("ksysadmin.retention")
ACTION = "maintenance.purge_ended"
BATCH_ROWS = 5000
# A pass stops after this many batches (the next pass goes on): a backlog never holds the task for long.
MAX_BATCHES = 100


@dataclass(frozen=True)
class PurgeTools:
    retention: RetentionRepositoryInterface
    audit: AuditTrail
    transaction: TransactionInterface


@dataclass(frozen=True)
class PurgeReport:
    sessions: int = 0
    oneTimeTokens: int = 0


# Deletes the sessions and one-time tokens that ended more than retentionDays ago, in batches: each batch is one
# transaction with its own audit entry (counts and cutoff), so nothing is deleted unaudited.
class PurgeEndedRecords:
    def __init__(
        self, unitOfWork: Callable[[], AbstractAsyncContextManager[PurgeTools]], retentionDays: int,
        batchRows: int = BATCH_ROWS,
    ) -> None:
        self.unitOfWork = unitOfWork
        self.retention = timedelta(days=retentionDays)
        self.batchRows = batchRows

    async def execute(self, stopping: Callable[[], bool] = lambda: False) -> PurgeReport:
        cutoff = utcNow() - self.retention
        context = RequestContext(requestId=f"purge-{generateId().hex}", ip=None)
        report = PurgeReport()
        for _ in range(MAX_BATCHES):
            if stopping():
                break
            async with self.unitOfWork() as tools:
                sessions = await tools.retention.deleteEndedSessions(cutoff, self.batchRows)
                tokens = await tools.retention.deleteEndedOneTimeTokens(cutoff, self.batchRows)
                if sessions == 0 and tokens == 0:
                    break
                await tools.audit.record(context, None, ACTION, AuditOutcome.SUCCESS,
                                         details={"sessions": sessions, "oneTimeTokens": tokens,
                                                  "endedBefore": cutoff.isoformat()},
                                         actorType=ActorType.SYSTEM)
                await tools.transaction.commit()
            report = PurgeReport(report.sessions + sessions, report.oneTimeTokens + tokens)
            if sessions < self.batchRows and tokens < self.batchRows:
                break
        if report.sessions or report.oneTimeTokens:
            logger.application("purge_ended_pass", "Deleted ended sessions and one-time tokens",
                               sessions=report.sessions, one_time_tokens=report.oneTimeTokens,
                               request_id=context.requestId)
        return report

