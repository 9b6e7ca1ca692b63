from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Appended to a copy of scripts/lib/frontend.sh (sourced last): each step says it ran, and the stack start's
# first step after them (ensurePythonDeps, which builds and installs) ends the run, whatever the order.
STUBS = """
ensureSystemPackages() { echo system >>"$STEPS"; }
ensureUv() { echo uv >>"$STEPS"; }
buildFrontends() { echo frontends >>"$STEPS"; }
ensurePythonDeps() { echo stack >>"$STEPS"; exit 0; }
"""


# `up` on a machine without uv or Node.js: the frontend build installs Node.js with uv when the machine's is too
# old, so uv (and the system packages it needs) come first, as in a full run.
def test_upInstallsUvBeforeBuildingTheFrontends(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    shutil.copytree(ROOT / "scripts", clone / "scripts")
    shutil.copytree(ROOT / "docker", clone / "docker")  # scripts/lib/gateway.sh sources gatewayValues.sh
    with (clone / "scripts/lib/frontend.sh").open("a") as library:
        library.write(STUBS)
    steps = tmp_path / "steps"
    done = subprocess.run(["bash", "scripts/test.sh", "up"], cwd=clone, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STEPS": str(steps)})
    assert done.returncode == 0, done.stderr
    assert steps.read_text().split() == ["system", "uv", "frontends", "system", "uv", "stack"]
