from __future__ import annotations

import random
import shutil
import socket
import subprocess
import time
from pathlib import Path


def freePort() -> int:
    # Below Linux's ephemeral range (32768-60999), where outgoing connections may hold any port.
    start = random.randrange(29100, 32000)
    for offset in range(2900):
        port = 29100 + (start - 29100 + offset) % 2900
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 29100 and 31999")


class RedisProcess:
    def __init__(self, directory: Path) -> None:
        self.port = freePort()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def postgresBin(name: str) -> str:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found under /usr/lib/postgresql")
    return str(candidates[-1])


class PostgresProcess:
    def __init__(self, directory: Path) -> None:
        self.port = freePort()
        self.directory = directory / "pg"
        self.data = self.directory / "data"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def run(self, *command: str) -> None:
        # initdb and pg_ctl refuse root: run them as the postgres user, as scripts/lib/services.sh does.
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.data.mkdir(parents=True)
            shutil.chown(self.directory, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
            for parent in self.directory.parents:
                parent.chmod(parent.stat().st_mode | 0o001)
            self.run(postgresBin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.run(postgresBin("pg_ctl"), "-D", str(self.data), "-w", "-t", "30", "-l", str(self.directory / "log"),
                 "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run(postgresBin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
