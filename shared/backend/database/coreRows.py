from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TypeVar

from sqlalchemy import BindParameter, Table, bindparam, inspect
from sqlmodel import SQLModel

ModelT = TypeVar("ModelT", bound=SQLModel)

# Mapped entities as Core rows and back, for single statements (INSERT ... ON CONFLICT, UPDATE ...
# RETURNING inside a CTE) that skip the ORM unit of work. Such statements are built once with named
# parameters and reused: building one costs more than running it, and a reused statement keeps its cache key.


@cache
def attributeColumns(model: type[SQLModel]) -> tuple[tuple[str, str], ...]:
    return tuple((attribute.key, attribute.columns[0].name) for attribute in inspect(model).column_attrs)


# Named, typed parameters for the given columns: "<prefix><column>".
def columnParameters(table: Table, prefix: str, columns: tuple[str, ...]) -> list[BindParameter[object]]:
    return [bindparam(prefix + column, type_=table.c[column].type) for column in columns]


# The entity's values as parameters for columnParameters(..., prefix, every column).
def rowParameters(entity: SQLModel, prefix: str) -> dict[str, object]:
    return recordParameters(type(entity), entity, prefix)


# The same for any object with the model's attribute names (a record of a row not yet written).
def recordParameters(model: type[SQLModel], record: object, prefix: str) -> dict[str, object]:
    return {prefix + column: getattr(record, attribute) for attribute, column in attributeColumns(model)}


def columnNames(model: type[SQLModel]) -> tuple[str, ...]:
    return tuple(column for _, column in attributeColumns(model))


@cache
def columnsByAttribute(model: type[SQLModel]) -> dict[str, str]:
    return dict(attributeColumns(model))


def columnOf(model: type[SQLModel], attribute: str) -> str:
    return columnsByAttribute(model)[attribute]


def entityFrom(model: type[ModelT], row: Mapping[str, object]) -> ModelT:
    return model(**{attribute: row[column] for attribute, column in attributeColumns(model)})
