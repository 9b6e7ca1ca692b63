from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from sqlalchemy.engine import make_url

# The messages never quote the URL or a part of it: a misplaced character may have cut the password anywhere.
ENCODE = "percent-encode '@', '/', '?', '#' and '%' in the user name and password (%40, %2F, %3F, %23, %25)"
DATABASE_FORM = "postgresql+asyncpg://user:password@host:port/database"
REDIS_FORM = "redis://[[user]:password@]host:port/N"


# Splits a server URL as urllib (and redis-py) read it, refusing a user name or password the host cannot be told
# apart from (an unencoded '@', or a '/', '?' or '#' that ends the address early) and a port that is no port.
def splitServerUrl(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(f"cannot be read as a URL: {ENCODE}") from None
    if url.count("@") > 1 or ("@" in url and "@" not in parts.netloc):
        raise ValueError(f"the host cannot be told apart from the user name or password: {ENCODE}")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 or parts.netloc.endswith(":"):
        raise ValueError(f"the port must be a number from 1 to 65535 (or left out); if it is not the port, {ENCODE}")
    return parts


def checkDatabaseUrl(url: str) -> None:
    if not url.startswith("postgresql+asyncpg://"):
        raise ValueError("must start with postgresql+asyncpg://")
    if "sslmode=" in url:
        # libpq's name, which asyncpg.connect does not take (startup would fail with a TypeError).
        raise ValueError("takes TLS as ?ssl=<mode> (disable, prefer, require, verify-ca, verify-full), not sslmode")
    parts = splitServerUrl(url)
    database = unquote(parts.path.removeprefix("/"))
    # A Unix socket is given as ?host=/socket/directory (asyncpg's form), the URL's host left empty.
    if not parts.hostname and not parse_qs(parts.query).get("host"):
        raise ValueError(f"names no host: write {DATABASE_FORM}")
    if not database:
        raise ValueError(f"names no database: write {DATABASE_FORM}")
    # What SQLAlchemy and asyncpg connect with must be what was checked here.
    try:
        parsed = make_url(url)
    except Exception:
        raise ValueError(f"cannot be read as {DATABASE_FORM}: {ENCODE}") from None
    host = parsed.host.lower() if parsed.host else None
    expected = (maybeUnquote(parts.username), maybeUnquote(parts.password), parts.hostname, parts.port, database)
    if (parsed.username, parsed.password, host, parsed.port, parsed.database) != expected:
        raise ValueError(f"is read differently by SQLAlchemy than by other clients: {ENCODE}")


def checkRedisUrl(url: str) -> None:
    if url.startswith("rediss://"):
        # The gateway's rate limiter and session checks read the same Redis, and its Lua client has no TLS.
        raise ValueError("rediss:// is not supported: the gateway reaches the same Redis without TLS (docs/gateway.md)")
    if not url.startswith(("redis://", "unix://")):
        raise ValueError("must start with redis:// or unix://")
    parts = splitServerUrl(url)
    if url.startswith("unix://"):
        if not parts.path:
            raise ValueError("names no socket: write unix:///path/to/redis.sock")
        return
    if not parts.hostname:
        raise ValueError(f"names no host: write {REDIS_FORM}")
    # What the gateway selects (scripts/lib/gateway.sh): redis-py reads a db= option instead of the path and
    # takes a path that is not a number as database 0.
    if "db" in parse_qs(parts.query, keep_blank_values=True):
        raise ValueError("give the database in the path (redis://host:port/N), not as db=")
    if not all(character in "0123456789" for character in parts.path.removeprefix("/")):
        raise ValueError("the database must be a number (redis://host:port/N) after the host")


def maybeUnquote(value: str | None) -> str | None:
    return None if value is None else unquote(value)
