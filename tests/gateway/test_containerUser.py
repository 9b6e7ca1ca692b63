from __future__ import annotations

import json
import os
import pwd
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.gateway.gatewayProcess import ROOT_DIR, RedisServer, runDirectory, waitForPort
from tests.support.processes import freePort

# The gateway image runs nginx as an unprivileged user, master included. Here the image's entrypoint runs as
# `nobody` with Debian's nginx standing in for OpenResty (which has the Lua modules built in and its own
# mime.types path): the stand-in adds the first and rewrites the second, then runs nginx with the entrypoint's
# arguments.
STAND_IN = """#!/bin/sh
conf="$KSERVICES_HOME/run/nginx.conf"
modules=/usr/lib/nginx/modules
sed -i -e "1i load_module $modules/ndk_http_module.so; load_module $modules/ngx_http_lua_module.so;" \\
    -e 's|/usr/local/openresty/nginx/conf/mime.types|/etc/nginx/mime.types|' "$conf"
exec nginx "$@"
"""


def finalStage() -> str:
    return (ROOT_DIR / "docker/gateway.Dockerfile").read_text().rsplit("\nFROM ", 1)[1]


def test_gatewayImageRunsAsAnUnprivilegedUser() -> None:
    stage = finalStage()
    users = re.findall(r"^USER (\S+)$", stage, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(rf"useradd .*\b{users[-1]}\b", stage)
    assert re.search(rf"chown {users[-1]} /kservices/run\b", stage)


def owner(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture
def home() -> Iterator[Path]:
    directory = runDirectory("container-user")
    shutil.copytree(ROOT_DIR / "nginx", directory / "nginx")
    (directory / "www" / "auth").mkdir(parents=True)
    (directory / "www" / "auth" / "index.html").write_text("<title>auth</title>")
    (directory / "run").mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(directory / "run", nobody.pw_uid, nobody.pw_gid)
    standIn = directory / "openresty"
    standIn.write_text(STAND_IN)
    standIn.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


# What FD's writers wrote, once they all closed it.
def drained(fd: int) -> str:
    chunks = []
    while select.select([fd], [], [], 10)[0] and (chunk := os.read(fd, 65536)):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


# The access and error logs go to the container's stdout and stderr (`docker compose logs gateway`), which Docker
# hands to the image's user (runc's fixStdioPermissions): here two pipes given to nobody.
def test_entrypointServesAsNobodyWithoutTouchingRootPaths(home: Path) -> None:
    redis = RedisServer(home)
    redis.start()
    user = pwd.getpwnam("nobody")
    (outRead, outWrite), (errRead, errWrite) = os.pipe(), os.pipe()
    for fd in (outWrite, errWrite):
        os.fchown(fd, user.pw_uid, user.pw_gid)
    port = freePort()
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("NGINX_", "GATEWAY_"))}
    env = clean | {"KSERVICES_HOME": str(home), "OPENRESTY": str(home / "openresty"), "GATEWAY_PORT": str(port),
                   "PUBLIC_UPSTREAM": "127.0.0.1:1", "ADMIN_UPSTREAM": "127.0.0.1:1", "NGINX_WORKERS": "1",
                   "GATEWAY_REDIS_HOST": "127.0.0.1", "GATEWAY_REDIS_PORT": str(redis.port),
                   "GATEWAY_REDIS_DB": "0", "GATEWAY_TRUSTED_PROXIES": ""}
    command = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "sh",
               str(ROOT_DIR / "docker/gatewayEntrypoint.sh")]
    gateway = subprocess.Popen(command, env=env, stdout=outWrite, stderr=errWrite)
    os.close(outWrite)
    os.close(errWrite)
    try:
        waitForPort(port)
        answer = httpx2.get(f"http://127.0.0.1:{port}/auth/", timeout=5)
        assert answer.status_code == 200
        assert "<title>auth</title>" in answer.text
        workers = [int(child) for child in Path(f"/proc/{gateway.pid}/task/{gateway.pid}/children").read_text().split()]
        assert workers
        nobody = pwd.getpwnam("nobody").pw_uid
        assert {owner(pid) for pid in [gateway.pid, *workers]} == {nobody}
    finally:
        gateway.terminate()
        gateway.wait(timeout=20)
        redis.stop()
        logged, errors = drained(outRead), drained(errRead)
    assert (home / "run" / "access.log").readlink() == Path("/dev/stdout")
    assert (home / "run" / "error.log").readlink() == Path("/dev/stderr")
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [("GET", "/auth/index.html", 200)], \
        errors
