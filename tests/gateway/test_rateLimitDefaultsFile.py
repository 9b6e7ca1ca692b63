from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
import redis

from tests.gateway.conftest import GATEWAY_REDIS_DB, backendAddresses
from tests.gateway.gatewayProcess import ROOT_DIR, GatewayInstance, runDirectory
from tests.gateway.test_rateLimit import asClient, freshIp

LUA_DIR = ROOT_DIR / "nginx" / "lua"
DEFAULTS_NAME = "kservices/rateLimitDefaults.json"

Edit = Callable[[list[dict[str, object]]], None]


# A gateway whose Lua modules are a private copy, its defaults file changed by `edit`, scaled by `scale`; rendered
# only (the test launches it).
@pytest.fixture
def copiedDefaultsGateway(testRedisPort: int) -> Iterator[Callable[[Edit, str], GatewayInstance]]:
    gateways: list[GatewayInstance] = []

    def make(edit: Edit, scale: str) -> GatewayInstance:
        runDir = runDirectory("defaults-file")
        shutil.copytree(LUA_DIR, runDir / "lua")
        defaults = runDir / "lua" / DEFAULTS_NAME
        document = json.loads(defaults.read_text())
        edit(document["rules"])
        defaults.write_text(json.dumps(document))
        gateway = GatewayInstance(runDir, testRedisPort, GATEWAY_REDIS_DB, *backendAddresses(),
                                  environment={"GATEWAY_RATE_LIMIT_SCALE": scale})
        gateway.render()
        conf = runDir / "nginx.conf"
        conf.write_text(conf.read_text().replace(f'"{LUA_DIR}/?.lua;;"', f'"{runDir / "lua"}/?.lua;;"'))
        assert str(LUA_DIR) not in conf.read_text()
        gateways.append(gateway)
        return gateway

    yield make
    for gateway in gateways:
        gateway.stop()
        shutil.rmtree(gateway.runDir, ignore_errors=True)


def setRule(group: str, **fields: object) -> Edit:
    def edit(rules: list[dict[str, object]]) -> None:
        next(rule for rule in rules if rule["routeGroup"] == group).update(fields)

    return edit


# The built-in defaults are the file's (the admin API reports the same file): a default changed there is what the
# gateway applies, multiplied by GATEWAY_RATE_LIMIT_SCALE as before.
def test_theGatewayAppliesTheDefaultsFileScaled(
        copiedDefaultsGateway: Callable[[Edit, str], GatewayInstance], cleanRules: redis.Redis) -> None:
    gateway = copiedDefaultsGateway(setRule("auth", limit=7, windowSeconds=45), "2")
    gateway.launch()
    with httpx2.Client(base_url=gateway.url, timeout=5) as client:
        response = client.get("/api/auth/me", headers=asClient(freshIp()))
    assert response.headers["RateLimit-Policy"] == '"auth";q=14;w=45'


def withoutDefaultGroup(rules: list[dict[str, object]]) -> None:
    rules[:] = [rule for rule in rules if rule["routeGroup"] != "default"]


# A defaults file the gateway cannot use stops nginx at start, naming the problem.
@pytest.mark.parametrize(("edit", "problem"), [
    (setRule("auth-login", failMode="shut"), "rules[1] has an invalid failMode"),
    (withoutDefaultGroup, "has no rule for the default group"),
    (setRule("admin-login", scope="user"),
     "rules[9] has an invalid scope (admin-login has no signed-in user: ip only)"),
])
def test_anUnusableDefaultsFileStopsTheGateway(
        copiedDefaultsGateway: Callable[[Edit, str], GatewayInstance], edit: Edit, problem: str) -> None:
    gateway = copiedDefaultsGateway(edit, "1")
    with pytest.raises(subprocess.CalledProcessError) as refused:
        gateway.launch()
    path = Path(gateway.runDir, "lua", DEFAULTS_NAME)
    assert f"rate limit defaults: {path} {problem}" in refused.value.stderr.decode()


# docs/gateway.md lists the defaults: the same rules as the file.
def test_theDocsTableIsTheFile() -> None:
    text = (ROOT_DIR / "docs" / "gateway.md").read_text()
    table = text.split("`GATEWAY_RATE_LIMIT_SCALE` multiplies their limits:\n\n", 1)[1].split("\n\n", 1)[0]
    documented = set()
    for line in table.splitlines()[2:]:
        group, scope, limits, failMode = (cell.strip() for cell in line.strip("|").split("|"))
        limit, window = limits.removesuffix(" s").split(" / ")
        documented.add((group.split(" ")[0], scope, int(limit), int(window), failMode))
    rules = json.loads((LUA_DIR / DEFAULTS_NAME).read_text())["rules"]
    assert documented == {(rule["routeGroup"], rule["scope"], rule["limit"], rule["windowSeconds"], rule["failMode"])
                          for rule in rules}
