from __future__ import annotations

import asyncio

# A background pass in flight may finish this long after shutdown starts; then it is cancelled.
STOP_GRACE_SECONDS = 10.0


# An app's shutdown, shared by its background tasks (app.state.shutdown): it starts once, when the lifespan ends or
# when the first task's block exits, and every task gets the same STOP_GRACE_SECONDS from then, not one grace after
# another while the lifespan leaves its hooks in turn (two passes stuck on a lock took 5 + 10 + 10 s, past the
# 20 s the scripts and docker-compose allow before KILL).
class Shutdown:
    def __init__(self) -> None:
        self.stopping = asyncio.Event()
        self.deadline: float | None = None

    def begin(self) -> float:
        if self.deadline is None:
            self.deadline = asyncio.get_running_loop().time() + STOP_GRACE_SECONDS
        self.stopping.set()
        return self.deadline

    # The grace left to a task that is still running; starts the shutdown if nothing did.
    def graceLeft(self) -> float:
        return max(0.0, self.begin() - asyncio.get_running_loop().time())
