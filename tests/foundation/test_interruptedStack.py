from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from starlette.types import Receive, Scope, Send

from tests.support.processes import freePort

ROOT = Path(__file__).resolve().parents[2]
LIBS = "source scripts/lib/common.sh; source scripts/lib/services.sh; source scripts/lib/stack.sh; "


# The server startUvicorn runs here: it answers nothing, it only has to live.
async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"]
            await send({"type": f"{kind}.complete"})
            if kind == "lifespan.shutdown":
                return


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


# A terminal's Ctrl-C signals its whole foreground process group. The servers run in sessions of their own, so
# only the script gets it and its trap stops them in order: before, they got it too, and a server gone before
# the trap ran made scripts/run.sh report "a server exited" as if one had crashed.
def test_ctrlCReachesTheScriptNotItsServers(tmp_path: Path) -> None:
    port = freePort()
    script = (f"set -euo pipefail; {LIBS} startUvicorn probe tests.foundation.test_interruptedStack:app {port} "
              f"{tmp_path} /dev/null; deadline=$((SECONDS + 20)); "
              f"until portInUse {port}; do [ $SECONDS -lt $deadline ] || exit 3; sleep 0.1; done; "
              "trap 'exit 130' INT; echo started; while true; do sleep 1; done")
    shell = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        assert shell.stdout is not None and shell.stdout.readline().strip() == "started"
        server = int((tmp_path / "probe.pid").read_text())
        assert os.getsid(server) == server
        os.killpg(shell.pid, signal.SIGINT)
        assert shell.wait(timeout=10) == 130
        time.sleep(0.5)
        assert alive(server), "the server got the terminal's SIGINT"
    finally:
        shell.kill()
        pid = int((tmp_path / "probe.pid").read_text()) if (tmp_path / "probe.pid").exists() else 0
        if pid and alive(pid):
            os.kill(pid, signal.SIGTERM)
