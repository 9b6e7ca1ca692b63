from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.engine import make_url

from shared.backend.config.settings import loadSettings

# Logins per second at steady state, from the session rows the bench accounts' logins wrote. wrk's own figure
# is every answer over the whole run: a closed loop of N logins counts none while its first N hash and loses
# the N still in flight when it stops (~3% of a 2-s slice, docs/benchmarks.md), and those N then run on into
# the next case. A session row's created_at is the moment its login started, so the rows that started inside
# the run less EDGE_SECONDS at each end give the steady rate; DRAIN_SECONDS after the run lets the ones still
# in flight finish before the next case starts.
EDGE_SECONDS = 0.25
DRAIN_SECONDS = 0.3
COUNT_SQL = ("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
             "WHERE u.email = ANY($1::text[]) AND s.created_at >= $2 AND s.created_at < $3")


class SteadyLoginCounter:
    def __init__(self, emails: list[str]) -> None:
        self.emails = emails
        self.loop = asyncio.new_event_loop()
        url = make_url(loadSettings().database.url.get_secret_value())
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection: asyncpg.Connection = self.loop.run_until_complete(asyncpg.connect(dsn))

    # Logins per second that started between `started` + EDGE_SECONDS and `ended` - EDGE_SECONDS (epoch seconds).
    def steadyRate(self, started: float, ended: float) -> float:
        windowStart, windowEnd = started + EDGE_SECONDS, ended - EDGE_SECONDS
        if windowEnd - windowStart < 0.5:
            raise SystemExit("login slices are too short to leave a steady window: raise --seconds or lower --slices")
        count = self.loop.run_until_complete(self.connection.fetchval(
            COUNT_SQL, self.emails, datetime.fromtimestamp(windowStart, UTC), datetime.fromtimestamp(windowEnd, UTC)))
        return count / (windowEnd - windowStart)

    def close(self) -> None:
        self.loop.run_until_complete(self.connection.close())
        self.loop.close()

    # Waits for the logins a run left in flight: their hashes would otherwise run in the next case's time.
    def drain(self) -> None:
        time.sleep(DRAIN_SECONDS)
