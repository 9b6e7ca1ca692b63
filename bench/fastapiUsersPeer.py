from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator

from fastapi import Depends, FastAPI
from fastapi_users import BaseUserManager, FastAPIUsers, UUIDIDMixin, schemas
from fastapi_users.authentication import AuthenticationBackend, BearerTransport, JWTStrategy
from fastapi_users.db import SQLAlchemyBaseUserTableUUID, SQLAlchemyUserDatabase
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

# The peer for bench/auth.py: fastapi-users with its JWT strategy on the same PostgreSQL server (its
# own database). Runs in a throwaway environment (`uv run --no-project --with fastapi-users[sqlalchemy]`)
# because fastapi-users-db-sqlalchemy needs SQLAlchemy < 2.1 and the project is on 2.1.

DATABASE_URL = os.environ.get("BENCH_PEER_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:55432/bench_peer")
SECRET = os.environ.get("BENCH_PEER_SECRET", "bench-peer-secret-0123456789abcdef0123456789")


class Base(DeclarativeBase):
    pass


class User(SQLAlchemyBaseUserTableUUID, Base):
    pass


class UserRead(schemas.BaseUser[uuid.UUID]):
    pass


class UserCreate(schemas.BaseUserCreate):
    pass


class UserUpdate(schemas.BaseUserUpdate):
    pass


engine = create_async_engine(DATABASE_URL, pool_size=10, max_overflow=10)
sessionMaker = async_sessionmaker(engine, expire_on_commit=False)


async def getSession() -> AsyncIterator[AsyncSession]:
    async with sessionMaker() as session:
        yield session


async def getUserDb(session: AsyncSession = Depends(getSession)) -> AsyncIterator[SQLAlchemyUserDatabase]:  # noqa: B008
    yield SQLAlchemyUserDatabase(session, User)


class UserManager(UUIDIDMixin, BaseUserManager[User, uuid.UUID]):
    reset_password_token_secret = SECRET
    verification_token_secret = SECRET


async def getUserManager(userDb: SQLAlchemyUserDatabase = Depends(getUserDb)) -> AsyncIterator[UserManager]:  # noqa: B008
    yield UserManager(userDb)


def getStrategy() -> JWTStrategy:
    return JWTStrategy(secret=SECRET, lifetime_seconds=900)


backend = AuthenticationBackend(name="jwt", transport=BearerTransport(tokenUrl="auth/jwt/login"),
                                get_strategy=getStrategy)
fastapiUsers = FastAPIUsers[User, uuid.UUID](getUserManager, [backend])


def createPeerApp() -> FastAPI:
    app = FastAPI()
    app.include_router(fastapiUsers.get_auth_router(backend), prefix="/auth/jwt")
    app.include_router(fastapiUsers.get_register_router(UserRead, UserCreate), prefix="/auth")
    app.include_router(fastapiUsers.get_users_router(UserRead, UserUpdate), prefix="/users")
    return app


async def initDatabase() -> None:
    import asyncpg

    adminUrl = DATABASE_URL.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    name = DATABASE_URL.rsplit("/", 1)[1]
    connection = await asyncpg.connect(adminUrl)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    await engine.dispose()


if __name__ == "__main__" and sys.argv[1:] == ["--init"]:
    asyncio.run(initDatabase())
