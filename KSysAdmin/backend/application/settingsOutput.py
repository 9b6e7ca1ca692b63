from __future__ import annotations

import uuid
from datetime import datetime

from KSysAdmin.backend.application.dtoBase import OutputModel


class CorsOutput(OutputModel):
    version: int
    origins: list[str]
    updatedAt: datetime | None
    updatedBy: uuid.UUID | None


class RateLimitRuleOutput(OutputModel):
    routeGroup: str
    scope: str
    limit: int
    windowSeconds: int
    failMode: str
    enabled: bool


class RateLimitsOutput(OutputModel):
    version: int
    rules: list[RateLimitRuleOutput]
    updatedAt: datetime | None
    updatedBy: uuid.UUID | None
    # The gateway's built-in rule of each route group, before its GATEWAY_RATE_LIMIT_SCALE.
    defaults: list[RateLimitRuleOutput]
    # The route groups whose requests carry no signed-in user: their rules take scope ip only.
    anonymousGroups: list[str]
