from __future__ import annotations

import json
from pathlib import Path

from KSysAdmin.backend.application.settingsInput import RateLimitDefaults

# The gateway's built-in rate-limit rules, one per route group, and its groups without a signed-in user: the file
# nginx/lua/kservices/rateLimitRules.lua loads, unscaled (the gateway alone multiplies them by
# GATEWAY_RATE_LIMIT_SCALE).
DEFAULTS_FILE = Path(__file__).resolve().parents[3] / "nginx" / "lua" / "kservices" / "rateLimitDefaults.json"


def gatewayDefaults() -> RateLimitDefaults:
    return RateLimitDefaults.model_validate(json.loads(DEFAULTS_FILE.read_text(encoding="utf-8")))
