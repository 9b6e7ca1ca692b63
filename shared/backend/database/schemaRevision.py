from __future__ import annotations

import sqlalchemy.exc
from sqlalchemy import text

from shared.backend.database.engine import Database
from shared.backend.exceptions.dependencyErrors import chain, sqlState
from shared.backend.loggingFactory import getSystemLogger

# The Alembic head of KSysAdmin's migrations this code is written for: a new migration bumps it
# (tests/foundation/test_schemaRevision.py compares it with the migrations).
SCHEMA_REVISION = "0015"
MIGRATE_COMMAND = "cd KSysAdmin/backend/infrastructure/database && uv run alembic upgrade head"
UNDEFINED_TABLE = "42P01"

logger = getSystemLogger("startup")


class SchemaRevisionError(RuntimeError):
    pass


# The revisions alembic_version holds, or None when the table does not exist (a database never migrated).
async def storedRevisions(database: Database) -> list[str] | None:
    async with database.engine.connect() as connection:
        try:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except sqlalchemy.exc.ProgrammingError as error:
            if sqlState(chain(error)) == UNDEFINED_TABLE:
                return None
            raise
        return [str(row[0]) for row in rows]


# Revisions are numbered "0001", "0002", ... in the order they apply (the test holds every migration to it).
def revisionNumber(revision: str) -> int | None:
    return int(revision) if len(revision) == 4 and revision.isdigit() else None


# Refuses a database behind this code (or never migrated, or with a revision this project never numbers); one
# ahead starts with a warning: migrations run before the new code is deployed (docs/decisions.md).
async def checkSchemaRevision(database: Database, expected: str = SCHEMA_REVISION) -> None:
    revisions = await storedRevisions(database)
    if not revisions:
        found = "no alembic_version table" if revisions is None else "an empty alembic_version table"
        raise SchemaRevisionError(f"the database has {found} (never migrated); this code needs schema revision "
                                  f"{expected}: run `{MIGRATE_COMMAND}`")
    stored = revisionNumber(revisions[0])
    if len(revisions) > 1 or stored is None:
        raise SchemaRevisionError(f"the database is at schema revision {', '.join(revisions)}, which this project's "
                                  f"migrations do not number; this code needs {expected} (`{MIGRATE_COMMAND}`)")
    if stored < int(expected):
        raise SchemaRevisionError(f"the database is at schema revision {revisions[0]}, behind the {expected} this "
                                  f"code needs: run `{MIGRATE_COMMAND}`")
    if stored > int(expected):
        logger.warning("schema_ahead", f"The database is at schema revision {revisions[0]}, ahead of the {expected} "
                       "this code was written for: starting (a newer release's migrations ran first)",
                       stored=revisions[0], expected=expected)
