from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint, MetaData, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlmodel import SQLModel

from KSysAdmin.backend.infrastructure.database import tables

recordMetadata = tables.metadata
ROOT_DIR = Path(__file__).resolve().parents[2]
DUPLICATE_SERVICES = ("KAuthApp", "KSysPayment")
# Tables a service may declare with a subset of the columns (read-only views of the schema of record).
PARTIAL_TABLES = {("KSysPayment", "users")}
DIALECT = postgresql.dialect()


# The service's table models by table name.
def modelClasses(service: str) -> dict[str, type[SQLModel]]:
    found: dict[str, type[SQLModel]] = {}
    for path in sorted((ROOT_DIR / service / "backend/domain/models").glob("*.py")):
        module = importlib.import_module(f"{service}.backend.domain.models.{path.stem}")
        for value in vars(module).values():
            table = getattr(value, "__table__", None)
            if isinstance(value, type) and issubclass(value, SQLModel) and isinstance(table, Table):
                found[table.name] = value
    return found


def serviceMetadata(service: str) -> MetaData | None:
    models = list(modelClasses(service).values())
    return models[0].metadata if models else None


def describeColumns(table: Table, withDefaults: bool = True) -> dict[str, tuple[str, bool, bool, str]]:
    return {
        column.name: (column.type.compile(dialect=DIALECT), bool(column.nullable), bool(column.primary_key),
                      str(column.server_default.arg) if withDefaults and column.server_default is not None else "")
        for column in table.columns
    }


def foreignKeys(table: Table) -> set[tuple[str, str, str, str]]:
    return {(key.parent.name, key.target_fullname, str(key.ondelete), str(key.onupdate)) for key in table.foreign_keys}


# The defaults a model gives a new row in Python: a value, or the name of its factory.
def fieldDefaults(model: type[SQLModel]) -> dict[str, str]:
    return {name: field.default_factory.__qualname__ if field.default_factory is not None else repr(field.default)
            for name, field in model.model_fields.items()}


def describeConstraints(table: Table) -> set[tuple[str, str, str]]:
    # CHECK and UNIQUE constraints by name and SQL text (primary and foreign keys are compared apart).
    described = set()
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint):
            described.add(("check", str(constraint.name), str(constraint.sqltext)))
        elif isinstance(constraint, UniqueConstraint):
            described.add(("unique", str(constraint.name), ",".join(column.name for column in constraint.columns)))
    return described


def describeIndexes(table: Table) -> set[tuple[str, str, bool, str]]:
    described = set()
    for index in table.indexes:
        where = index.dialect_options["postgresql"].get("where")
        columns = ",".join(str(expression) for expression in index.expressions)
        described.add((str(index.name), columns, bool(index.unique), "" if where is None else str(where)))
    return described


def duplicatedTables() -> list[tuple[str, Table]]:
    pairs = []
    for service in DUPLICATE_SERVICES:
        metadata = serviceMetadata(service)
        assert metadata is not None, f"{service}'s models were not found: the drift check would skip them"
        assert metadata is not recordMetadata
        pairs.extend((service, table) for table in metadata.tables.values())
    return pairs


def test_servicesUseTheirOwnMetadata() -> None:
    seen = [serviceMetadata(service) for service in DUPLICATE_SERVICES]
    assert all(item is not None for item in seen)
    assert len({id(item) for item in seen} | {id(recordMetadata)}) == len(seen) + 1


@pytest.mark.parametrize(("service", "table"), duplicatedTables(), ids=lambda value: getattr(value, "name", value))
def test_duplicateMatchesSchemaOfRecord(service: str, table: Table) -> None:
    assert table.name in recordMetadata.tables, f"{service} declares {table.name}, which KSysAdmin does not own"
    record = recordMetadata.tables[table.name]
    partial = (service, table.name) in PARTIAL_TABLES
    # A partial table is only read: its columns must match, not the defaults of rows it never writes.
    expected = describeColumns(record, withDefaults=not partial)
    actual = describeColumns(table, withDefaults=not partial)
    if partial:
        expected = {name: value for name, value in expected.items() if name in actual}
        assert set(actual) <= set(describeColumns(record)), f"{service}.{table.name} has unknown columns"
    assert actual == expected, f"{service}.{table.name} drifted from KSysAdmin"
    assert [column.name for column in table.primary_key] == [column.name for column in record.primary_key]
    if partial:
        assert foreignKeys(table) <= foreignKeys(record)
        return
    assert foreignKeys(table) == foreignKeys(record), f"{service}.{table.name} foreign keys drifted"
    assert describeConstraints(table) == describeConstraints(record), f"{service}.{table.name} constraints drifted"
    assert describeIndexes(table) == describeIndexes(record), f"{service}.{table.name} indexes drifted"
    model, recordModel = modelClasses(service)[table.name], modelClasses("KSysAdmin")[table.name]
    assert fieldDefaults(model) == fieldDefaults(recordModel), f"{service}.{table.name} Python defaults drifted"
