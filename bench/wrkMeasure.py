from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

# wrk runs and the CPU time the measured processes spent during them (from /proc/<pid>/stat).


def parseLatency(value: str) -> float:
    number = float(re.sub(r"[a-z]+$", "", value))
    unit = re.sub(r"^[\d.]+", "", value)
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0}.get(unit, 1.0)


def runWrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    return wrk(["-t1", f"-c{connections}", f"-d{seconds}s", url])


# One wrk run with the given arguments; req/s, p50/p90/p99 in ms, non-2xx answers and total requests, plus
# any `counter <name> <n>` lines a script's done() printed.
def wrk(args: list[str]) -> dict[str, float]:
    output = subprocess.run(["wrk", "--latency", *args], check=True, capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no request rate: {output[-300:]}")
    rps = float(rate.group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", output)
    p90 = re.search(r"90%\s+([\d.]+\w+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": rps,
        "p50": parseLatency(p50.group(1)) if p50 else 0.0,
        "p90": parseLatency(p90.group(1)) if p90 else 0.0,
        "p99": parseLatency(p99.group(1)) if p99 else 0.0,
        "non2xx": float(non2xx.group(1)) if non2xx else 0.0,
        "total": float(total.group(1)) if total else 0.0,
        **{name: float(count) for name, count in re.findall(r"^counter (\w+) (\d+)$", output, re.M)},
    }


def cpuSeconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def childPids(pid: int) -> list[int]:
    # `uv run` starts the peer's python as a child: measure that process, not uv.
    children = [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    return children or [pid]


def nginxWorkers(runDir: Path) -> list[int]:
    master = (runDir / "nginx.pid").read_text().strip()
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == master:
            workers.append(int(stat.parent.name))
    return workers


def measure(url: str, seconds: int, connections: int, pids: list[int]) -> dict[str, float]:
    before = [cpuSeconds([pid]) for pid in pids]
    result = runWrk(url, seconds, connections)
    requests = max(result["total"], 1)
    perProcess = [(cpuSeconds([pid]) - start) * 1e6 / requests for pid, start in zip(pids, before, strict=True)]
    result["cpuUs"] = sum(perProcess)
    result["cpuSplit"] = perProcess  # type: ignore[assignment]
    return result
