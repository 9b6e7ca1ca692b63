from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from shared.backend.loggingFactory import getSystemLogger
from shared.backend.middleware.cors import CorsOrigins
from shared.backend.utils.tasks import cancelAndWait

CORS_KEY = "ksysadmin:settings:cors"
SETTINGS_CHANNEL = "ksysadmin:settings"
POLL_SECONDS = 1.0
logger = getSystemLogger("cors")


def parsePublished(raw: str) -> tuple[list[str], int] | None:
    try:
        value = json.loads(raw)
        origins, version = value["origins"], int(value["version"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(origins, list) or not all(isinstance(origin, str) for origin in origins):
        return None
    return origins, version


# A missing document (removed by the admin server when PostgreSQL holds no CORS setting, or lost by a Redis restart
# until it publishes it again): CORS_ORIGINS apply. A Redis error raises and keeps the set.
async def refresh(redis: Redis, holder: CorsOrigins) -> None:
    raw = await redis.get(CORS_KEY)
    if raw is None:
        if holder.restoreConfigured():
            logger.application("cors_restored", "No published CORS settings; CORS_ORIGINS apply again",
                               count=len(holder.origins))
        return
    parsed = parsePublished(raw)
    if parsed is None:
        logger.warning("cors_invalid", "ignoring malformed published CORS settings", key=CORS_KEY)
        return
    origins, version = parsed
    if version != holder.version:
        holder.replace(origins, version)
        logger.application("cors_updated", "CORS origins replaced", version=version, count=len(origins))


# Follows the admin's published CORS origins: a pub/sub message triggers a reload at once, and a
# short poll covers messages lost while the subscription was down.
async def followPublishedOrigins(redis: Redis, holder: CorsOrigins) -> None:
    failing = False
    while True:
        try:
            async with redis.pubsub() as pubsub:
                await pubsub.subscribe(SETTINGS_CHANNEL)
                while True:
                    await refresh(redis, holder)
                    failing = False
                    await pubsub.get_message(ignore_subscribe_messages=True, timeout=POLL_SECONDS)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if not failing:
                logger.error("cors_sync_failed", "cannot follow published CORS origins; retrying", error)
            failing = True
            await asyncio.sleep(POLL_SECONDS)


@asynccontextmanager
async def corsSyncHook(app: FastAPI) -> AsyncIterator[None]:
    holder: CorsOrigins = app.state.corsOrigins
    await refresh(app.state.redis, holder)
    task = asyncio.create_task(followPublishedOrigins(app.state.redis, holder), name="cors-sync")
    try:
        yield
    finally:
        await cancelAndWait(task)
