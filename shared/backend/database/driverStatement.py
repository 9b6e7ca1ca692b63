from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import JSON
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ClauseElement


# A statement compiled once for asyncpg, run by asyncpg itself on the driver pool (DriverPool): SQLAlchemy's
# execution path costs more than a small statement (docs/decisions.md). Outside a transaction each statement
# commits by itself. Values are the driver's own types, except that a JSON or JSONB parameter takes the Python
# value and is sent as JSON text.
class DriverStatement:
    def __init__(self, statement: ClauseElement) -> None:
        compiled = statement.compile(dialect=postgresql.asyncpg.dialect())  # type: ignore[no-untyped-call]
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())
        # Literals the statement holds (WHERE status = 'active') are bound by it; named parameters must be given.
        self.literals = {name: compiled.params[name] for name in self.names if not compiled.binds[name].required}
        self.jsonNames = frozenset(name for name in self.names if isinstance(compiled.binds[name].type, JSON))

    def arguments(self, values: Mapping[str, object]) -> list[object]:
        return [self.literals[name] if name in self.literals
                else json.dumps(values[name]) if name in self.jsonNames else values[name] for name in self.names]
