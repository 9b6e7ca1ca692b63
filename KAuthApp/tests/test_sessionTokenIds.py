from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx2
from redis.asyncio import Redis

from KAuthApp.tests.authTestSupport import login, registerVerified, sessionIdOf
from KAuthApp.tests.test_mfa import enableMfa
from shared.backend.security.sessionStore import RECENT_TOKENS

# The gateway counts a request against a user only for an access token the session key lists (`jtis`, newest
# first, `<jti>:<exp>` each): whoever saves the key at a login or refresh lists the token it issues with it.


def listed(tokens: dict[str, str]) -> str:
    payload = tokens["accessToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{claims['jti']}:{claims['exp']}"


async def jtis(redisClient: Redis, tokens: dict[str, str]) -> list[str]:
    value = await redisClient.hget(f"kauth:session:{sessionIdOf(tokens)}", "jtis")
    return value.split() if value else []


async def refresh(client: httpx2.AsyncClient, tokens: dict[str, str]) -> dict[str, str]:
    response = await client.post("/api/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert response.status_code == 200, response.text
    return response.json()


# Each refresh puts its new token first and keeps the previous ones (other tabs still hold them), up to four.
async def test_loginAndRefreshesListTheirAccessTokens(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    issued = [await login(client, address)]
    assert await jtis(redisClient, issued[0]) == [listed(issued[0])]
    for _ in range(RECENT_TOKENS):
        issued.append(await refresh(client, issued[-1]))
        assert (await jtis(redisClient, issued[-1]))[0] == listed(issued[-1])
    assert len({listed(tokens) for tokens in issued}) == RECENT_TOKENS + 1
    assert await jtis(redisClient, issued[-1]) == [listed(tokens) for tokens in reversed(issued[1:])]
    client.cookies.clear()


async def test_aRefreshDropsExpiredTokensFromTheList(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    tokens = await login(client, address)
    key = f"kauth:session:{sessionIdOf(tokens)}"
    await redisClient.hset(key, "jtis", f"{listed(tokens)} expired{int(time.time())}:{int(time.time()) - 1}")
    fresh = await refresh(client, tokens)
    assert await jtis(redisClient, fresh) == [listed(fresh), listed(tokens)]
    client.cookies.clear()


# A login settled on the locked row (here with a second factor) lists its token as the usual login does.
async def test_aLoginWithASecondFactorListsItsAccessToken(
    client: httpx2.AsyncClient, outboxDir: Path, redisClient: Redis
) -> None:
    address = await registerVerified(client, outboxDir)
    _, codes, _ = await enableMfa(client, await login(client, address))
    tokens = await login(client, address, recoveryCode=codes[0])
    assert await jtis(redisClient, tokens) == [listed(tokens)]
    client.cookies.clear()
