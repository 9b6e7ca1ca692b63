from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gateway.gatewayProcess import ROOT_DIR
from tests.support.processes import freePort

# Renders nginx.conf into a directory; returns the run and the file it renders (absent when it refused).
Renderer = Callable[[dict[str, str], Path], tuple[subprocess.CompletedProcess[str], Path]]


def renderWithScript(environment: dict[str, str], directory: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    script = (f'source "{ROOT_DIR}/scripts/lib/common.sh"; source "{ROOT_DIR}/scripts/lib/gateway.sh"; '
              f'renderGateway "{directory}"')
    result = subprocess.run(["bash", "-c", script], env=environment, capture_output=True, text=True, timeout=30)
    return result, directory / "nginx.conf"


# The OpenResty entrypoint, with a stand-in for openresty that exits at once.
def renderWithEntrypoint(environment: dict[str, str], directory: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    home = directory / "home"
    home.mkdir()
    (home / "nginx").symlink_to(ROOT_DIR / "nginx")
    environment = environment | {"KSERVICES_HOME": str(home), "OPENRESTY": "/bin/true"}
    result = subprocess.run(["sh", str(ROOT_DIR / "docker/gatewayEntrypoint.sh")], env=environment,
                            capture_output=True, text=True, timeout=30)
    return result, home / "run" / "nginx.conf"


@pytest.fixture(params=["scripts/lib/gateway.sh", "docker/gatewayEntrypoint.sh"])
def render(request: pytest.FixtureRequest) -> Renderer:
    return renderWithScript if request.param == "scripts/lib/gateway.sh" else renderWithEntrypoint


# Values both renderers accept (no GATEWAY_* or NGINX_* from the caller's environment).
def validEnvironment() -> dict[str, str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("NGINX_", "GATEWAY_"))}
    return clean | {"GATEWAY_PORT": str(freePort()), "PUBLIC_UPSTREAM": "127.0.0.1:28001",
                    "ADMIN_UPSTREAM": "localhost:28002", "GATEWAY_REDIS_HOST": "127.0.0.1",
                    "GATEWAY_REDIS_PORT": "6379", "GATEWAY_REDIS_DB": "0", "GATEWAY_TRUSTED_PROXIES": ""}


TLS_FILES = {"GATEWAY_TLS_CERT": "/etc/kservices/cert.pem", "GATEWAY_TLS_KEY": "/etc/kservices/key.pem"}
REFUSED = [
    ("GATEWAY_TRUSTED_PROXIES", '127.0.0.1", redisPort = "1', {}),  # closes the Lua string
    ("GATEWAY_TRUSTED_PROXIES", "127.0.0.1\n}", {}),
    ("GATEWAY_TRUSTED_PROXIES", "proxy.local", {}),
    ("GATEWAY_TRUSTED_PROXIES", "127.0.0.1,,10.0.0.1", {}),
    ("GATEWAY_TRUSTED_PROXIES", "127.0.0.1, ", {}),
    # The gateway compares each peer with plain addresses: a range would never match (as the settings say).
    ("GATEWAY_TRUSTED_PROXIES", "2001:db8::/32", {}),
    ("GATEWAY_TRUSTED_PROXIES", "1.2.3.4:80", {}),
    ("GATEWAY_TRUSTED_PROXIES", "fe80::1%eth0", {}),
    ("PUBLIC_UPSTREAM", "127.0.0.1:28001; include /etc/shadow", {}),
    ("ADMIN_UPSTREAM", "localhost", {}),
    ("GATEWAY_PORT", "8080 default_server", {}),
    ("GATEWAY_REDIS_HOST", "127.0.0.1.1", {}),
    ("GATEWAY_REDIS_PORT", '6379"', {}),
    ("GATEWAY_REDIS_DB", "0 }", {}),
    ("NGINX_WORKERS", "1; user root", {}),
    ("GATEWAY_TLS_PORT", "443 ssl; listen 80", TLS_FILES),
    ("GATEWAY_TLS_CERT", "/etc/kservices/cert.pem; ssl_certificate_key /etc/shadow", TLS_FILES),
    ("GATEWAY_TLS_KEY", "", {"GATEWAY_TLS_CERT": TLS_FILES["GATEWAY_TLS_CERT"]}),
]


# A substituted value outside its grammar stops either renderer before it writes nginx.conf, with one line naming
# the variable and never the value (which could be anything the operator pasted).
@pytest.mark.parametrize(("name", "value", "extra"), REFUSED)
def test_renderersRefuseAValueOutsideItsGrammar(
        render: Renderer, tmp_path: Path, name: str, value: str, extra: dict[str, str]) -> None:
    result, rendered = render(validEnvironment() | extra | {name: value}, tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{name} must be" in lines[0], result.stderr
    assert not value or value not in result.stderr
    assert not rendered.exists()


# Plain addresses in any spelling pass and reach the Lua block as given (gateway.lua canonicalizes them).
@pytest.mark.parametrize("proxies", ["", "127.0.0.1", "127.0.0.1, 2001:DB8:0:0::7", "::1,10.0.0.1",
                                     "::ffff:192.0.2.1", "fe80::1 , 1:2:3:4:5:6:7:8", "2001:db8::192.0.2.9"])
def test_renderersAcceptAddressListsInAnySpelling(render: Renderer, tmp_path: Path, proxies: str) -> None:
    result, rendered = render(validEnvironment() | {"GATEWAY_TRUSTED_PROXIES": proxies}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f'trustedProxies = "{proxies}",' in rendered.read_text()


def test_everySubstitutedValueHasAGrammar() -> None:
    templates = (ROOT_DIR / "nginx/nginx.conf").read_text() + (ROOT_DIR / "nginx/conf/tls.conf.template").read_text()
    substituted = set(re.findall(r"\$\{([A-Z_]+)\}", templates))
    checked = set(re.findall(r"checkValue ([A-Z_]+) is", (ROOT_DIR / "docker/gatewayValues.sh").read_text()))
    # Each renderer builds NGINX_LOAD_MODULES itself from fixed module names.
    assert substituted - {"NGINX_LOAD_MODULES"} == checked


# The image has no scripts/: the checks go in beside the entrypoint, which sources them from its own folder.
def test_gatewayImageHoldsTheChecksBesideItsEntrypoint() -> None:
    dockerfile = (ROOT_DIR / "docker/gateway.Dockerfile").read_text()
    assert "COPY docker/gatewayEntrypoint.sh docker/gatewayValues.sh /kservices/" in dockerfile
    assert 'ENTRYPOINT ["/bin/sh", "/kservices/gatewayEntrypoint.sh"]' in dockerfile
    assert '. "$(dirname "$0")/gatewayValues.sh"' in (ROOT_DIR / "docker/gatewayEntrypoint.sh").read_text()
