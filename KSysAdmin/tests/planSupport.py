from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from KSysAdmin.tests.migrationSupport import alembicConfig, connectTo, runAlembic, scratchDatabase
from shared.backend.config.settings import Settings

# The plan PostgreSQL picks for a statement on a scratch database at head, seeded by `seeds` (each a statement and
# its arguments), with `table` analyzed or not: a fresh deployment has no statistics until autovacuum runs.
Plan = list[dict[str, object]]


def planNodes(node: dict[str, object]) -> Iterator[dict[str, object]]:
    yield node
    for child in node.get("Plans", []):
        yield from planNodes(child)


async def seededPlan(
    settings: Settings, seeds: Sequence[tuple[object, ...]], table: str, analyzed: bool, sql: str, *args: object
) -> Plan:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        connection = await connectTo(url)
        try:
            for statement, *arguments in seeds:
                await connection.execute(statement, *arguments)
            if analyzed:
                await connection.execute(f"ANALYZE {table}")
            explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
        finally:
            await connection.close()
    return list(planNodes(json.loads(explained)[0]["Plan"]))


def indexNames(nodes: Plan) -> set[object]:
    return {node.get("Index Name") for node in nodes} - {None}
