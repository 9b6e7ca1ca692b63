from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import ROOT_DIR, GatewayInstance, runDirectory
from tests.gateway.test_gatewayConfig import assertEnvelope, rawExchange

LUA_DIR = ROOT_DIR / "nginx" / "lua"


# The master (root here) loads every Lua module in init_by_lua before it forks; the workers run as nobody. With
# the modules in a directory only root can read, a worker that needed a Lua file at request time would fail
# (an error page's header filter answered an empty reply instead of the envelope).
@pytest.fixture
def unreadableLuaGateway(testRedisPort: int) -> Iterator[GatewayInstance]:
    runDir = runDirectory("unreadable-lua")
    private = runDir / "private"
    private.mkdir(mode=0o700)
    shutil.copytree(LUA_DIR, private / "lua")
    gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, *backendAddresses())
    gateway.render()
    conf = runDir / "nginx.conf"
    conf.write_text(conf.read_text().replace(f'"{LUA_DIR}/?.lua;;"', f'"{private / "lua"}/?.lua;;"'))
    assert str(LUA_DIR) not in conf.read_text()
    gateway.launch()
    yield gateway
    gateway.stop()
    shutil.rmtree(runDir, ignore_errors=True)


def test_workersNeedNoLuaFileAtRequestTime(unreadableLuaGateway: GatewayInstance) -> None:
    port = unreadableLuaGateway.port
    cases = [
        (b"GET /api/nothing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 404, "not_found"),
        (b"POST /health/public HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
         405, "method_not_allowed"),
        (b"GET /api/auth/me HTTP/2.0\r\nHost: a\r\nConnection: close\r\n\r\n", 505, "http_version_not_supported"),
        (b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 401, "unauthenticated"),
    ]
    for request, status, code in cases:
        assertEnvelope(*rawExchange(port, request), status, code)
    limited = rawExchange(port, b"GET /api/auth/me HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert any(name.lower() == "ratelimit-policy" for name, _ in limited[1])
    assert "not found" not in unreadableLuaGateway.errorLog.read_text()


# Every module under nginx/lua/kservices is named in the preload list (a new one must be added there too).
def test_initByLuaPreloadsEveryModule() -> None:
    template = (ROOT_DIR / "nginx" / "nginx.conf").read_text()
    block = template.split("init_by_lua_block {", 1)[1].split("\n    }\n", 1)[0]
    preloaded = set(re.findall(r'"(\w+)"', block.split("ipairs(", 1)[1].split(")", 1)[0]))
    assert "kservices.gateway" in block and "kservices." in block
    modules = {path.stem for path in (LUA_DIR / "kservices").glob("*.lua")} - {"gateway"}
    assert modules <= preloaded, modules - preloaded
