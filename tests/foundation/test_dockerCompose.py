from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from dotenv import dotenv_values

from shared.backend.config.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT_VARS = {"NGINX_LOAD_MODULES", "NGINX_WORKERS", "NGINX_RUN_DIR", "NGINX_MIME_TYPES", "NGINX_LUA_DIR",
                   "NGINX_CONF_DIR", "NGINX_WWW_DIR"}


def templateVars() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+)\}", (ROOT / "nginx/nginx.conf").read_text()))


# A value as compose reads it when the ${NAME:-default} it names is not set: the default.
def withDefaults(value: object) -> str:
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


# The compose file as `docker compose config` reads it with the project's .env (VARIABLES): ${NAME:-default}
# falls back when NAME is unset or empty, ${NAME:?message} stops it.
def interpolatedCompose(variables: Mapping[str, str | None]) -> dict[str, dict[str, dict[str, object]]]:
    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        value = variables.get(name) or ""
        if operator == ":?" and not value:
            raise ValueError(f"required variable {name} is missing a value: {argument}")
        return argument if operator == ":-" and not value else value
    text = re.sub(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:[-?])([^}]*))?\}", substitute, (ROOT / "docker-compose.yml").read_text())
    return yaml.safe_load(text)


# The .env `scripts/run.sh env` writes, at PATH.
def runShEnv(path: Path) -> Path:
    create = f"source scripts/lib/common.sh; source scripts/lib/envFile.sh; ensureEnvFile {path}"
    subprocess.run(["bash", "-c", create], cwd=ROOT, check=True, capture_output=True)
    return path


def composeGatewayEnvironment() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {key: withDefaults(value) for key, value in compose["services"]["gateway"]["environment"].items()}


def test_composeDefinesTheWholeStack() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "public", "admin", "gateway"} <= set(services)
    assert services["public"]["command"][1] == "public_server:app"
    assert services["admin"]["command"][1] == "admin_server:app"
    assert (ROOT / services["migrate"]["working_dir"].removeprefix("/app/") / "alembic.ini").is_file()
    assert templateVars() - ENTRYPOINT_VARS <= set(composeGatewayEnvironment())
    for service in ("public", "admin", "migrate"):
        assert (ROOT / services[service]["build"]["dockerfile"]).is_file()


# Each request is in the gateway's JSON access log; uvicorn's own access line (INFO) would repeat it in plain text.
def test_composeServersRunWithTheStackScriptsUvicornFlags() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    stackScript = (ROOT / "scripts/lib/stack.sh").read_text()
    flags = ["--no-server-header", "--log-level warning", "--timeout-graceful-shutdown 5", "--timeout-keep-alive 75"]
    dockerfileCmd = json.loads((ROOT / "docker/app.Dockerfile").read_text().split("CMD ", 1)[1].replace("\\\n", ""))
    for flag in flags:
        assert flag in stackScript
        for command in (services["public"]["command"], services["admin"]["command"], dockerfileCmd):
            assert flag in " ".join(command)


# The servers trust forwarded addresses from the gateway's fixed address only. The gateway resolves Redis and
# both servers once, at start: they have fixed addresses too, or a recreated container or a host reboot (the
# unless-stopped containers coming back in another order) could leave it on stale or swapped ones. Every fixed
# address lies inside the network's subnet and outside the range Docker hands out to the other containers.
def test_composeGivesTheGatewayAndWhatItResolvesFixedAddresses() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    gatewayAddress = compose["services"]["gateway"]["networks"]["default"]["ipv4_address"]
    [pool] = compose["networks"]["default"]["ipam"]["config"]
    subnet, dynamic = ipaddress.ip_network(pool["subnet"]), ipaddress.ip_network(pool["ip_range"])
    assert dynamic.subnet_of(subnet)  # type: ignore[arg-type]
    fixed = {service: spec["networks"]["default"]["ipv4_address"] for service, spec in compose["services"].items()
             if "ipv4_address" in str(spec.get("networks", ""))}
    gateway = composeGatewayEnvironment()
    resolved = {gateway["GATEWAY_REDIS_HOST"], *(gateway[name].split(":")[0]
                                                 for name in ("PUBLIC_UPSTREAM", "ADMIN_UPSTREAM"))}
    assert resolved == {"redis", "public", "admin"}
    assert set(fixed) == resolved | {"gateway"}
    assert len(set(fixed.values())) == len(fixed)
    for address in fixed.values():
        assert ipaddress.ip_address(address) in subnet and ipaddress.ip_address(address) not in dynamic
    for service in ("public", "admin"):
        command = compose["services"][service]["command"]
        assert command[command.index("--forwarded-allow-ips") + 1] == gatewayAddress


def test_openrestyEntrypointRendersLikeEnvsubst(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "nginx").symlink_to(ROOT / "nginx")
    fake = tmp_path / "openresty"
    fake.write_text(f'#!/bin/sh\ncp "{home}/run/nginx.conf" "{tmp_path}/rendered.conf"\n')
    fake.chmod(0o755)
    # The entrypoint sets NGINX_* itself; values exported by scripts/test.sh must not leak in.
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("NGINX_", "GATEWAY_"))}
    # Compose's "redis" does not resolve here; "localhost" does, and goes in as its address.
    env = clean | composeGatewayEnvironment() | {"KSERVICES_HOME": str(home), "OPENRESTY": str(fake),
                                                 "GATEWAY_REDIS_HOST": "localhost"}
    subprocess.run(["sh", str(ROOT / "docker/gatewayEntrypoint.sh")], env=env, check=True, timeout=30)
    rendered = (tmp_path / "rendered.conf").read_text()
    expectedVars = composeGatewayEnvironment() | {"GATEWAY_REDIS_HOST": "127.0.0.1"} | {
        "NGINX_LOAD_MODULES": "", "NGINX_WORKERS": "auto", "NGINX_RUN_DIR": f"{home}/run",
        "NGINX_MIME_TYPES": "/usr/local/openresty/nginx/conf/mime.types", "NGINX_LUA_DIR": f"{home}/nginx/lua",
        "NGINX_CONF_DIR": f"{home}/nginx/conf", "NGINX_WWW_DIR": f"{home}/www",
    }
    shellFormat = " ".join(f"${{{name}}}" for name in expectedVars)
    expected = subprocess.run(
        ["envsubst", shellFormat], input=(ROOT / "nginx/nginx.conf").read_text(), env=os.environ | expectedVars,
        capture_output=True, text=True, check=True,
    ).stdout
    assert rendered.strip() == expected.strip()
    assert not re.search(r"\$\{[A-Z_]+\}", rendered)
    assert "$kRequestId" in rendered


def test_openrestyEntrypointRefusesARedisHostThatDoesNotResolve(tmp_path: Path) -> None:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("NGINX_", "GATEWAY_"))}
    env = clean | composeGatewayEnvironment() | {"KSERVICES_HOME": str(tmp_path), "OPENRESTY": "/bin/false",
                                                 "GATEWAY_REDIS_HOST": "no-such-host.invalid"}
    result = subprocess.run(["sh", str(ROOT / "docker/gatewayEntrypoint.sh")], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "cannot resolve GATEWAY_REDIS_HOST=no-such-host.invalid" in result.stderr


# The app servers pay through the compose simulator by default, with keys from the volume both mount.
def test_composeWiresTheBriSimulatorAndItsKeys() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    simulator, public = services["simulator"], services["public"]
    port = simulator["environment"]["SIM_PORT"]
    assert public["environment"]["BRI_BASE_URL"].endswith(f"http://simulator:{port}}}")
    assert f"--port {port}" in " ".join(simulator["command"])
    mount = public["volumes"][0].split(":")[1]
    assert simulator["volumes"] == services["bri-keys"]["volumes"] == public["volumes"][:1]
    assert services["bri-keys"]["command"][-1] == mount
    for name in ("BRI_PRIVATE_KEY_PATH", "BRI_PUBLIC_KEY_PATH"):
        assert public["environment"][name].startswith(mount + "/")
    assert simulator["environment"]["SIM_MERCHANT_BASE_URL"].startswith("http://gateway:8080/")
    # The simulator answers 403 to callers outside loopback and SIM_ALLOWED_NETWORKS: the public container calls
    # from the compose network.
    subnet = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["networks"]["default"]["ipam"]["config"][0]
    assert simulator["environment"]["SIM_ALLOWED_NETWORKS"] == subnet["subnet"]
    assert withDefaults(public["environment"]["PUBLIC_BASE_URL"]) == "http://localhost:8080"


# Whether Docker leaves PATH (relative to the build context) out under .dockerignore's PATTERNS: the last pattern
# that matches it or one of its parent directories decides ("!" keeps); "**" spans directories, "*" and "?" not.
def dockerIgnores(patterns: list[str], path: str) -> bool:
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        expression = "".join(".*" if part == "**" else "[^/]*" if part == "*" else "[^/]" if part == "?"
                             else re.escape(part) for part in re.split(r"(\*\*|\*|\?)", glob))
        expression = expression.replace(".*/", "(.*/)?")
        parents = ["/".join(path.split("/")[:end]) for end in range(1, path.count("/") + 2)]
        if any(re.fullmatch(expression, parent) for parent in parents):
            ignored = not keep
    return ignored


def test_dockerignoreKeepsSecretsAndLocalDataOutOfImages() -> None:
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    secrets = [".env", ".env.production", ".env.local", "deploy/.env", "deploy/.env.staging", "server.key",
               "tls/cert.pem", "KSysPayment/keys/merchant_private.pem", "certs/client.p12", ".run/bri/bri_public.pem",
               ".venv/bin/python", ".git/config", "frontend-shared/node_modules/vite/index.js"]
    assert [path for path in secrets if not dockerIgnores(patterns, path)] == []
    # A lock written against Debian's crates has no crates.io checksums: the image's cargo would refuse it.
    assert dockerIgnores(patterns, "shared/rust-crypto/Cargo.lock")
    # Everything committed goes into the images, .env.example included.
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert [path for path in tracked.splitlines() if dockerIgnores(patterns, path)] == []


# After a daemon restart or a crash, compose's depends_on does not apply: the databases must come back on their
# own, or every server and the gateway loop on refusing to start without them.
def test_composeRestartsEveryLongRunningService() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    policies = {name: spec.get("restart") for name, spec in services.items()}  # safe_load resolves `<<: *app`
    oneShot = {"bri-keys", "migrate"}
    assert {name: policy for name, policy in policies.items() if name not in oneShot} == {
        name: "unless-stopped" for name in set(services) - oneShot}
    assert all(policies[name] == "no" for name in oneShot)


# The stack runs APP_ENV from .env (development by default), whose payment page needs the development build's
# simulate button; COMPOSE_FRONTEND_BUILD=build gives the production build.
def test_composeGatewayBuildsTheFrontendsItServes() -> None:
    gateway = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["gateway"]
    build = withDefaults(gateway["build"]["args"]["FRONTEND_BUILD"])
    scripts = json.loads((ROOT / "package.json").read_text())["scripts"]
    assert build == "build:dev" and "VITE_DEV_TOOLS=1" in scripts[build]
    dockerfile = (ROOT / gateway["build"]["dockerfile"]).read_text()
    assert "ARG FRONTEND_BUILD=build\n" in dockerfile and 'npm run "$FRONTEND_BUILD"' in dockerfile


def test_composePostgresAcceptsBothServersFullPools() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    settings = [argument.split("=", 1) for argument in services["postgres"]["command"] if "=" in argument]
    maxConnections = int(dict(settings)["max_connections"])
    fields = DatabaseSettings.model_fields
    perProcess = sum(int(fields[name].default) for name in ("poolSize", "maxOverflow", "autocommitPoolSize",
                                                               "driverPoolSize"))
    for server in ("public", "admin"):
        assert "--workers" not in services[server]["command"]
    # Both servers at full pools, plus a margin for migrations and an operator's psql.
    assert maxConnections >= 2 * perProcess + 10


# A postgres image's first start runs a socket-only server: only a TCP check waits for the real one.
def test_composePostgresHealthcheckWaitsForTcp() -> None:
    healthcheck = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["postgres"]["healthcheck"]
    assert "-h 127.0.0.1" in healthcheck["test"][1]


# What `scripts/run.sh env` writes, with compose's environment on top, is a configuration the app containers
# start with, even when .env names host TLS files the containers do not have; mail lands in a volume.
def test_composeAppsStartWithAnEnvFromRunShEnv(tmp_path: Path) -> None:
    envFile = runShEnv(tmp_path / ".env")
    with envFile.open("a") as handle:
        handle.write("GATEWAY_TLS_CERT=/host/cert.pem\nGATEWAY_TLS_KEY=/host/key.pem\n")
    app = interpolatedCompose(dotenv_values(envFile))["x-app"]
    environment = {key: str(value) for key, value in app["environment"].items()}
    script = ("from pathlib import Path; from shared.backend.config.settings import loadSettings; "
              f"s = loadSettings(Path({str(envFile)!r})); print(s.gateway.tlsCertPath, s.mail.outboxDir)")
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "VIRTUAL_ENV")}
    started = subprocess.run(["python", "-c", script], cwd=ROOT, env={**keep, **environment},
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    tlsCert, outbox = started.stdout.split()
    assert tlsCert == "None"
    assert f"mail:/app/{outbox}" in app["volumes"]


# PostgreSQL's password is not a constant of this file: `scripts/run.sh env` generates one into .env (another for
# each .env), which the database and the servers' DATABASE_URL both take; without it compose stops, naming it.
def test_composePostgresPasswordIsTheOneRunShEnvGenerated(tmp_path: Path) -> None:
    variables = dotenv_values(runShEnv(tmp_path / "first.env"))
    services = interpolatedCompose(variables)["services"]
    password = str(services["postgres"]["environment"]["POSTGRES_PASSWORD"])
    assert re.fullmatch(r"[0-9a-f]{48}", password)
    for server in ("public", "admin", "migrate"):
        assert urlsplit(str(services[server]["environment"]["DATABASE_URL"])).password == password
    other = interpolatedCompose(dotenv_values(runShEnv(tmp_path / "second.env")))["services"]
    assert other["postgres"]["environment"]["POSTGRES_PASSWORD"] != password
    with pytest.raises(ValueError, match="COMPOSE_POSTGRES_PASSWORD is missing a value"):
        interpolatedCompose(variables | {"COMPOSE_POSTGRES_PASSWORD": ""})
