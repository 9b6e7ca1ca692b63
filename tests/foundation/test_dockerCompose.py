from __future__ import annotations

import ipaddress
import json
import os
import re
import subprocess
from pathlib import Path

import yaml

from shared.backend.config.settings import DatabaseSettings

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT_VARS = {"NGINX_LOAD_MODULES", "NGINX_WORKERS", "NGINX_RUN_DIR", "NGINX_MIME_TYPES", "NGINX_LUA_DIR",
                   "NGINX_CONF_DIR", "NGINX_WWW_DIR"}


def templateVars() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+)\}", (ROOT / "nginx/nginx.conf").read_text()))


# A value as compose reads it when the ${NAME:-default} it names is not set: the default.
def withDefaults(value: object) -> str:
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))


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


# The servers trust forwarded addresses from the gateway's fixed address only, inside the network's subnet and
# outside the range Docker hands out to the other containers, so no other container can take it.
def test_composeServersTrustOnlyTheGatewaysForwardedAddresses() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    gatewayAddress = compose["services"]["gateway"]["networks"]["default"]["ipv4_address"]
    [pool] = compose["networks"]["default"]["ipam"]["config"]
    subnet, dynamic = ipaddress.ip_network(pool["subnet"]), ipaddress.ip_network(pool["ip_range"])
    assert dynamic.subnet_of(subnet)  # type: ignore[arg-type]
    assert ipaddress.ip_address(gatewayAddress) in subnet
    assert ipaddress.ip_address(gatewayAddress) not in dynamic
    fixed = [service for service, spec in compose["services"].items()
             if "ipv4_address" in str(spec.get("networks", ""))]
    assert fixed == ["gateway"]
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


def test_dockerignoreKeepsSecretsAndLocalDataOutOfImages() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".run/", ".venv/", ".git/"} <= ignored
    # A lock written against Debian's crates has no crates.io checksums: the image's cargo would refuse it.
    assert "**/Cargo.lock" in ignored


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
    envFile = tmp_path / ".env"
    create = f"source scripts/lib/common.sh; source scripts/lib/envFile.sh; ensureEnvFile {envFile}"
    subprocess.run(["bash", "-c", create], cwd=ROOT, check=True, capture_output=True)
    with envFile.open("a") as handle:
        handle.write("GATEWAY_TLS_CERT=/host/cert.pem\nGATEWAY_TLS_KEY=/host/key.pem\n")
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]
    environment = {key: withDefaults(value) for key, value in app["environment"].items()}
    script = ("from pathlib import Path; from shared.backend.config.settings import loadSettings; "
              f"s = loadSettings(Path({str(envFile)!r})); print(s.gateway.tlsCertPath, s.mail.outboxDir)")
    keep = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "VIRTUAL_ENV")}
    started = subprocess.run(["python", "-c", script], cwd=ROOT, env={**keep, **environment},
                             capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    tlsCert, outbox = started.stdout.split()
    assert tlsCert == "None"
    assert f"mail:/app/{outbox}" in app["volumes"]
