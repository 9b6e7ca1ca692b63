from __future__ import annotations

from enum import StrEnum

from KSysAdmin.backend.domain.models.rateLimitRule import RateLimitRule


class SettingName(StrEnum):
    CORS = "cors"
    RATE_LIMITS = "rate-limits"


# The exact JSON the gateway's Lua and the public server read from ksysadmin:settings:{name}.
def ruleDocument(rule: RateLimitRule) -> dict[str, object]:
    return {
        "routeGroup": rule.routeGroup,
        "scope": rule.scope,
        "limit": rule.limit,
        "windowSeconds": rule.windowSeconds,
        "failMode": rule.failMode,
        "enabled": rule.enabled,
    }


def rateLimitsDocument(version: int, rules: list[RateLimitRule]) -> dict[str, object]:
    return {"version": version, "rules": [ruleDocument(rule) for rule in rules]}


def corsDocument(version: int, origins: list[str]) -> dict[str, object]:
    return {"version": version, "origins": list(origins)}


# What Redis holds for a setting PostgreSQL does not hold. CORS: the document telling the servers to use
# CORS_ORIGINS (a missing key keeps what they have), with null origins, not a list, so that a server older than
# this document reads it as malformed and keeps its set. Rate limits: no key (the gateway's defaults).
def unstoredDocument(name: str) -> dict[str, object] | None:
    return {"version": 0, "origins": None} if name == SettingName.CORS.value else None


def storedOrigins(value: dict[str, object]) -> list[str]:
    origins = value.get("origins", [])
    return [str(origin) for origin in origins] if isinstance(origins, list) else []
