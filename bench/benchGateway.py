from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parents[1]


# A bench's own gateway, driven through scripts/lib/gateway.sh (renderGateway, startGateway,
# stopGateway): one nginx worker in front of one upstream that serves both prefixes.
@dataclass(frozen=True)
class BenchGateway:
    runDir: Path
    port: int
    upstreamPort: int
    redisHost: str
    redisPort: int
    redisDb: int
    rateLimitScale: int

    def environment(self) -> dict[str, str]:
        upstream = f"127.0.0.1:{self.upstreamPort}"
        return {**os.environ, "ROOT_DIR": str(ROOT_DIR), "GATEWAY_PORT": str(self.port), "PUBLIC_UPSTREAM": upstream,
                "ADMIN_UPSTREAM": upstream, "GATEWAY_REDIS_HOST": self.redisHost,
                "GATEWAY_REDIS_PORT": str(self.redisPort), "GATEWAY_REDIS_DB": str(self.redisDb),
                "GATEWAY_TRUSTED_PROXIES": "", "GATEWAY_RATE_LIMIT_SCALE": str(self.rateLimitScale),
                "NGINX_WORKERS": "1"}

    def run(self, function: str) -> None:
        script = (f'source "{ROOT_DIR}/scripts/lib/common.sh"; source "{ROOT_DIR}/scripts/lib/gateway.sh"; '
                  f'{function} "{self.runDir}"')
        subprocess.run(["bash", "-c", script], check=True, env=self.environment())
