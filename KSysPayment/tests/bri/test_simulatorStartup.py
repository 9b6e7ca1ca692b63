from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[3]


def simulatorCommand(kind: str) -> list[str]:
    if kind == "module":
        return [sys.executable, "-m", "KSysPayment.simulator"]
    return [sys.executable, "-m", "uvicorn", "KSysPayment.simulator.app:app", "--host", "127.0.0.1",
            "--port", str(freePort())]


# A bad SIM_* value printed a 42-56 line traceback (pydantic's quoting the value) and a key the simulator could not
# load one of ~30 lines: each now stops it with one line naming the variable, as the servers do, however it is started
# (scripts/run.sh and docker-compose run uvicorn, docs/bri.md `python -m KSysPayment.simulator`).
@pytest.mark.parametrize("kind", ["uvicorn", "module"])
@pytest.mark.parametrize(("variable", "value", "problem"), [
    ("SIM_ALLOWED_NETWORKS", "foo", "invalid configuration: SIM_ALLOWED_NETWORKS: Value error, 'foo' is not a network "
                                    "in CIDR notation (such as 172.28.73.0/24)"),
    ("SIM_PORT", "abc", "invalid configuration: SIM_PORT: Input should be a valid integer"),
    ("SIM_MERCHANT_PUBLIC_KEY_PATH", "/nonexistent/key.pem",
     "SIM_MERCHANT_PUBLIC_KEY_PATH: cannot load public key /nonexistent/key.pem"),
])
def test_aBadSettingStopsTheSimulatorInOneLine(keyDir: Path, kind: str, variable: str, value: str,
                                               problem: str) -> None:
    env = {name: setting for name, setting in os.environ.items() if not name.startswith("SIM_")}
    env |= {"SIM_MERCHANT_PUBLIC_KEY_PATH": str(keyDir / "merchant_public.pem"),
            "SIM_PRIVATE_KEY_PATH": str(keyDir / "bri_private.pem"), "SIM_PORT": str(freePort()), variable: value}
    result = subprocess.run(simulatorCommand(kind), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"BRI simulator cannot start: {problem}" in output, output
    assert "Traceback" not in output and "input_value" not in output, output
    assert len(output.splitlines()) <= 4, output
