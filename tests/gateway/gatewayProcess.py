from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx2

from tests.support.processes import freePort

ROOT_DIR = Path(__file__).resolve().parents[2]
RULES_KEY = "ksysadmin:settings:rate-limits"


def runDirectory(name: str) -> Path:
    # Under the repository, not /tmp/pytest-of-root (0700), so nginx's unprivileged worker can read it.
    base = ROOT_DIR / ".run" / "gateway-tests"
    base.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))
    directory.chmod(0o755)
    return directory


def stackSetting(name: str, default: str) -> str:
    # The test stack's settings: the environment (scripts/test.sh exports them), else its env file.
    if name in os.environ:
        return os.environ[name]
    envFile = Path(os.environ.get("KSERVICES_ENV_FILE", ROOT_DIR / ".run" / "test" / "env"))
    if envFile.is_file():
        for line in envFile.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == name:
                return value.strip()
    return default


def waitForPort(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class RedisServer:
    def __init__(self, directory: Path, *options: str) -> None:
        self.directory = directory
        self.options = options
        self.port = freePort()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        waitForPort(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class GatewayInstance:
    def __init__(self, runDir: Path, redisPort: int, redisDb: int, publicUpstream: str, adminUpstream: str,
                 trustedProxies: str = "127.0.0.1", port: int | None = None,
                 environment: dict[str, str] | None = None) -> None:
        self.runDir = runDir
        self.port = port or freePort()
        self.env = {
            **os.environ,
            "GATEWAY_PORT": str(self.port),
            "PUBLIC_UPSTREAM": publicUpstream,
            "ADMIN_UPSTREAM": adminUpstream,
            "GATEWAY_REDIS_HOST": "127.0.0.1",
            "GATEWAY_REDIS_PORT": str(redisPort),
            "GATEWAY_REDIS_DB": str(redisDb),
            "GATEWAY_TRUSTED_PROXIES": trustedProxies,
            "GATEWAY_RATE_LIMIT_SCALE": "1",
            "NGINX_WORKERS": "1",
            **(environment or {}),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def accessLog(self) -> Path:
        return self.runDir / "access.log"

    @property
    def errorLog(self) -> Path:
        return self.runDir / "error.log"

    def nginx(self, *args: str) -> None:
        subprocess.run(["nginx", "-p", str(self.runDir), "-c", str(self.runDir / "nginx.conf"), *args],
                       check=True, env=self.env, capture_output=True)

    def render(self) -> None:
        self.runDir.mkdir(parents=True, exist_ok=True)
        script = (f'source "{ROOT_DIR}/scripts/lib/common.sh"; source "{ROOT_DIR}/scripts/lib/gateway.sh"; '
                  f'renderGateway "{self.runDir}"')
        subprocess.run(["bash", "-c", script], check=True, env=self.env)

    def launch(self) -> None:
        self.nginx()
        waitForPort(self.port)

    def start(self) -> None:
        self.render()
        self.launch()

    def stop(self) -> None:
        pidFile = self.runDir / "nginx.pid"
        if not pidFile.is_file() or not pidFile.read_text().strip():
            return
        self.nginx("-s", "quit")
        deadline = time.monotonic() + 10
        while pidFile.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)

    def accessLogLines(self) -> list[dict[str, object]]:
        if not self.accessLog.is_file():
            return []
        return [json.loads(line) for line in self.accessLog.read_text().splitlines() if line.strip()]

    # The number of lines logged so far, once the last answered request's line is in: nginx writes it just
    # after the response, so a count taken at once could miss it and let it land among the lines that follow.
    def logOffset(self) -> int:
        count = len(self.accessLogLines())
        while True:
            time.sleep(0.05)
            settled = len(self.accessLogLines())
            if settled == count:
                return count
            count = settled

    def entriesSince(self, offset: int, pathPrefix: str = "", expected: int = 0) -> list[dict[str, object]]:
        # nginx writes the access log line just after the response: wait briefly for the last ones.
        deadline = time.monotonic() + 2
        while True:
            entries = [entry for entry in self.accessLogLines()[offset:]
                       if str(entry["path"]).startswith(pathPrefix)]
            if len(entries) >= expected or time.monotonic() > deadline:
                return entries
            time.sleep(0.02)


def rule(routeGroup: str, limit: int, windowSeconds: int = 60, scope: str = "ip", failMode: str = "open",
         enabled: bool = True) -> dict[str, object]:
    return {"routeGroup": routeGroup, "scope": scope, "limit": limit, "windowSeconds": windowSeconds,
            "failMode": failMode, "enabled": enabled}


def rulesDocument(version: int, *rules: dict[str, object]) -> str:
    return json.dumps({"version": version, "rules": list(rules)})


# An unsigned token with the claims the gateway reads (sub, sid, jti); a fresh jti unless given.
def fakeToken(subject: str, sessionId: str, tokenId: str | None = None) -> str:
    def encode(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    header = encode({"alg": "HS256", "typ": "JWT"})
    payload = encode({"sub": subject, "sid": sessionId, "exp": int(time.time()) + 900,
                      "jti": tokenId or uuid.uuid4().hex})
    return f"{header}.{payload}.c2lnbmF0dXJl"


def waitForRule(client: httpx2.Client, path: str, routeGroup: str, limit: int, timeout: float = 2.5,
                method: str = "GET", headers: dict[str, str] | None = None) -> float:
    # Polls until the gateway advertises the new quota; returns how long it took.
    started = time.monotonic()
    expected = f'"{routeGroup}";q={limit};'
    while True:
        response = client.request(method, path, headers=headers)
        if response.headers.get("RateLimit-Policy", "").startswith(expected):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"rule {routeGroup} q={limit} not applied within {timeout}s: "
                                 f"{response.headers.get('RateLimit-Policy')}")
        time.sleep(0.05)


class RuleSetter:
    # Publishes rule documents like the admin API does and waits until the gateway serves them,
    # probing /api/admin/ from a dedicated address with a marker quota.
    def __init__(self, redisClient: object, client: httpx2.Client) -> None:
        self.redisClient = redisClient
        self.client = client
        self.version = int(time.time() * 1000) % 1_000_000

    def set(self, *rules: dict[str, object]) -> float:
        self.version += 1
        marker = 100_000 + self.version
        document = rulesDocument(self.version, *rules, rule("admin", marker, scope="ip"))
        self.redisClient.set(RULES_KEY, document)  # type: ignore[attr-defined]
        self.redisClient.publish("ksysadmin:settings", RULES_KEY)  # type: ignore[attr-defined]
        return waitForRule(self.client, "/api/admin/probe", "admin", marker,
                           headers={"X-Forwarded-For": "192.0.2.250"})
