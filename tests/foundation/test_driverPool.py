from __future__ import annotations

import pytest
import sqlalchemy.exc
from pydantic import SecretStr
from sqlalchemy import bindparam, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import JSONB

from shared.backend.config.settings import Settings
from shared.backend.database.driverPool import DriverPool
from shared.backend.database.driverStatement import DriverStatement
from shared.backend.exceptions.dependencyErrors import classify
from tests.support.processes import freePort

SELECT_ONE = DriverStatement(select(literal_column("1")))


async def test_aStatementRunsAndItsConnectionIsReused(settings: Settings) -> None:
    pool = DriverPool(settings.database)
    try:
        pids = {(await pool.fetchRow(DriverStatement(select(text("pg_backend_pid()"))), {}))[0] for _ in range(3)}
        assert len(pids) == 1
        assert (await pool.fetchRow(SELECT_ONE, {}))[0] == 1  # type: ignore[index]
    finally:
        await pool.close()


# ?ssl= is the URL's TLS option for SQLAlchemy's connections; the driver pool must take it the same way,
# not pass it to PostgreSQL as a setting (which refused it: startup failed with any TLS choice).
async def test_theUrlsTlsModeReachesTheDriverPool(settings: Settings) -> None:
    url = settings.database.url.get_secret_value()
    plain = DriverPool(settings.database.model_copy(update={"url": SecretStr(url + "?ssl=disable")}))
    required = DriverPool(settings.database.model_copy(update={"url": SecretStr(url + "?ssl=require")}))
    try:
        assert (await plain.fetchRow(SELECT_ONE, {}))[0] == 1  # type: ignore[index]
        with pytest.raises(sqlalchemy.exc.OperationalError) as refused:
            await required.fetchRow(SELECT_ONE, {})  # the test server has no TLS
        assert "SSL" in str(refused.value.orig) or "ssl" in str(refused.value.orig)
    finally:
        await plain.close()
        await required.close()


async def test_serverErrorsKeepTheirSqlState(settings: Settings) -> None:
    pool = DriverPool(settings.database)
    division = DriverStatement(select(literal_column("1") / literal_column("0")))
    try:
        with pytest.raises(sqlalchemy.exc.DBAPIError) as raised:
            await pool.fetchRow(division, {})
        assert getattr(raised.value.orig, "sqlstate", None) == "22012"
        assert (await pool.fetchRow(SELECT_ONE, {}))[0] == 1  # type: ignore[index]  # the connection survived
    finally:
        await pool.close()


async def test_anUnreachableServerIsAnOutage(settings: Settings) -> None:
    url = settings.database.url.get_secret_value().rsplit("@", 1)[0] + f"@127.0.0.1:{freePort()}/none"
    unreachable = settings.database.model_copy(update={"url": settings.database.url.__class__(url)})
    pool = DriverPool(unreachable)
    try:
        with pytest.raises(sqlalchemy.exc.OperationalError) as raised:
            await pool.fetchRow(SELECT_ONE, {})
        classified = classify(raised.value)
        assert classified is not None and (classified.status, classified.code) == (503, "service_unavailable")
    finally:
        await pool.close()


async def test_jsonParametersTakePythonValues(settings: Settings) -> None:
    pool = DriverPool(settings.database)
    statement = DriverStatement(select(func.jsonb_typeof(bindparam("document", type_=JSONB)),
                                       bindparam("document", type_=JSONB)["name"].astext))
    try:
        assert tuple(await pool.fetchRow(statement, {"document": {"name": "Budi"}})) == ("object", "Budi")  # type: ignore[arg-type]
    finally:
        await pool.close()
