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


# A document the server can use: the admin's origins and version, or None origins for the document the admin server
# publishes while PostgreSQL holds no CORS setting ({"version": 0, "origins": null}: CORS_ORIGINS apply). A server
# older than that document reads its null origins as malformed and keeps its set. Anything else answers None.
def parsePublished(raw: str) -> tuple[list[str] | None, int] | None:
    try:
        value = json.loads(raw)
        origins, version = value["origins"], int(value["version"])
    except (ValueError, KeyError, TypeError):
        return None
    if origins is None and version == 0:
        return None, 0
    if not isinstance(origins, list) or not all(isinstance(origin, str) for origin in origins):
        return None
    return origins, version


# Only the admin server's explicit document brings CORS_ORIGINS back. A missing key (Redis restarted without its
# data, flushed, evicted) is not the admin's intent: like a Redis error (which raises), it keeps the set until the
# admin server publishes again; a server that starts meanwhile has CORS_ORIGINS.
async def refresh(redis: Redis, holder: CorsOrigins) -> None:
    raw = await redis.get(CORS_KEY)
    if raw is None:
        return
    parsed = parsePublished(raw)
    if parsed is None:
        logger.warning("cors_invalid", "ignoring malformed published CORS settings", key=CORS_KEY)
        return
    origins, version = parsed
    if origins is None:
        if holder.restoreConfigured():
            logger.application("cors_restored", "No CORS setting stored by the admin; CORS_ORIGINS apply again",
                               count=len(holder.origins))
        return
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
