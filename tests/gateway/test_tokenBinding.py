from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import AsyncIterator

import httpx2
import pytest
import redis
from redis.asyncio import Redis

from shared.backend.config.settings import Settings
from shared.backend.security.jwtCodec import JwtCodec
from shared.backend.security.sessionStore import SessionStore
from tests.gateway.conftest import GATEWAY_REDIS_DB
from tests.gateway.gatewayProcess import RULES_KEY, GatewayInstance, RuleSetter, rule, rulesDocument, waitForRule
from tests.gateway.test_rateLimit import asClient, createSession, freshIp, tokenWith

# The gateway counts a request against a user only for a token its session lists (the jti KAuthApp saved with
# the session key at the login or refresh that issued it, not expired). The session id is no secret (it is in
# every access token, expired ones included): a token forged from it must count against its sender's address.
LIMIT = 3


# A user's session as KAuthApp keeps it: each login or refresh issues an access token and saves the session key
# with that token's jti, through the same store.
class UserSession:
    def __init__(self, store: SessionStore, codec: JwtCodec, audience: str) -> None:
        self.store, self.codec, self.audience = store, codec, audience
        self.userId, self.sessionId = str(uuid.uuid4()), str(uuid.uuid4())

    async def issue(self, ttlSeconds: int = 900) -> str:
        token, claims = self.codec.issue(self.userId, self.sessionId, ["user"], self.audience, ttlSeconds)
        assert await self.store.save(self.sessionId, self.userId, ["user"], int(time.time()) + 3600, 3600,
                                     claims.tokenId, claims.expiresAt)
        return token

    def claims(self, **extra: object) -> dict[str, object]:
        return {"sub": self.userId, "sid": self.sessionId, "exp": int(time.time()) + 900, **extra}


@pytest.fixture
async def user(testRedisPort: int, cleanRules: redis.Redis, settings: Settings) -> AsyncIterator[UserSession]:
    client = Redis(host="127.0.0.1", port=testRedisPort, db=GATEWAY_REDIS_DB, decode_responses=True)
    yield UserSession(SessionStore(client), JwtCodec(settings.jwt), settings.jwt.userAudience)
    await client.aclose()


def payloadOf(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def send(client: httpx2.Client, ip: str, token: str | None = None) -> httpx2.Response:
    return client.get("/api/payment/x", headers=asClient(ip, token))


def remaining(response: httpx2.Response) -> int:
    assert response.status_code != 429
    found = re.match(r'"payment";r=(\d+);', response.headers["RateLimit"])
    assert found, response.headers["RateLimit"]
    return int(found.group(1))


# The finding: unsigned tokens naming a live session and its user, sent past the user's limit, used to fill the
# user's bucket and get the real user blocked. They now count against the sender's address.
async def test_forgedTokensOfALiveSessionCountAgainstTheirSenderNotTheUser(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis, user: UserSession) -> None:
    rules.set(rule("payment", LIMIT, scope="user"))
    genuine = await user.issue()
    assert remaining(send(gatewayClient, freshIp(), genuine)) == LIMIT - 1
    sender = freshIp()
    forged = [tokenWith(user.claims()), tokenWith(user.claims(jti=uuid.uuid4().hex)),
              tokenWith(user.claims(jti=""))]
    statuses = [send(gatewayClient, sender, token).status_code for token in forged * 2]
    assert [status == 429 for status in statuses] == [False] * LIMIT + [True] * (len(statuses) - LIMIT)
    assert cleanRules.keys(f"rate_limit:ip:{sender}:payment:*")
    # The real user's next request is counted in their own bucket, where only their own request was.
    assert remaining(send(gatewayClient, freshIp(), genuine)) == LIMIT - 2


# A token from a log or a support ticket, expired, whose jti the session still lists (no refresh since: an idle
# session) is no longer the user's.
async def test_anExpiredTokenTheSessionStillListsCountsByAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis, user: UserSession) -> None:
    rules.set(rule("payment", LIMIT, scope="user"))
    expired = await user.issue(ttlSeconds=-60)
    sender = freshIp()
    statuses = [send(gatewayClient, sender, expired).status_code for _ in range(LIMIT + 1)]
    assert [status == 429 for status in statuses] == [False] * LIMIT + [True]
    assert not cleanRules.keys(f"rate_limit:user:{user.userId}:*")
    refreshed = await user.issue()
    assert remaining(send(gatewayClient, freshIp(), refreshed)) == LIMIT - 1


# A token naming the session under another sub (or with an unlisted jti) is remembered as no user's, but only
# for itself: the real user's token is still counted per user, not by address.
async def test_aForgedTokenCannotChangeHowTheRealUserIsCounted(
        rules: RuleSetter, gatewayClient: httpx2.Client, user: UserSession) -> None:
    rules.set(rule("payment", 10, scope="user"))
    genuine = await user.issue()
    ip = freshIp()
    assert remaining(send(gatewayClient, ip, genuine)) == 9
    jti = payloadOf(genuine)["jti"]
    for claims in ({"sub": "x", "sid": user.sessionId, "jti": jti}, user.claims(sub="x", jti="y"),
                   user.claims(jti="y")):
        assert remaining(send(gatewayClient, freshIp(), tokenWith(claims))) == 9
    assert remaining(send(gatewayClient, ip, genuine)) == 8


# Each refresh issues a token with a new jti; the tabs that still hold an earlier one keep counting as the user
# while it is one of the session's last four tokens.
async def test_tokensOfRecentRefreshesCountPerUser(
        rules: RuleSetter, gatewayClient: httpx2.Client, user: UserSession) -> None:
    rules.set(rule("payment", 20, scope="user"))
    tabs = [await user.issue() for _ in range(4)]  # a login, then three refreshes, each token kept by its tab
    assert len({payloadOf(token)["jti"] for token in tabs}) == 4
    assert [remaining(send(gatewayClient, freshIp(), token)) for token in tabs] == [19, 18, 17, 16]
    newest = await user.issue()
    assert remaining(send(gatewayClient, freshIp(), newest)) == 15
    assert [remaining(send(gatewayClient, freshIp(), token)) for token in tabs[1:]] == [14, 13, 12]
    # The first tab's token is now a fifth one back: its tab counts by address until it refreshes too.
    assert remaining(send(gatewayClient, freshIp(), tabs[0])) == 19
    assert remaining(send(gatewayClient, freshIp(), newest)) == 11


# Admin tokens name no kauth session (they are stateless): admins count by address, as before.
# (RuleSetter publishes an admin rule of its own as its marker, so this document is published here.)
def test_adminTokensCountByAddress(cleanRules: redis.Redis, gatewayClient: httpx2.Client, settings: Settings) -> None:
    cleanRules.set(RULES_KEY, rulesDocument(int(time.time()), rule("admin", 2, scope="user")))
    waitForRule(gatewayClient, "/api/admin/probe", "admin", 2, headers=asClient(freshIp()))
    token, _ = JwtCodec(settings.jwt).issue(str(uuid.uuid4()), str(uuid.uuid4()), ["superadmin"],
                                            settings.jwt.adminAudience, 600)
    ip = freshIp()
    statuses = [gatewayClient.get("/api/admin/users", headers=asClient(ip, token)).status_code for _ in range(3)]
    assert [status == 429 for status in statuses] == [False, False, True]
    assert gatewayClient.get("/api/admin/users", headers=asClient(freshIp(), token)).status_code != 429


# The groups the defaults file names in anonymousGroups carry no signed-in user. A user scope stored on one (before
# the admin API refused it, or by hand) gave each session whose token a client attached its own counter: N
# accounts, N times the password-guessing budget. Such a rule now counts by address, and its load line says so.
def test_aUserScopeOnAGroupWithoutASignedInUserCountsByAddress(
        rules: RuleSetter, gatewayClient: httpx2.Client, cleanRules: redis.Redis,
        limiterGateway: GatewayInstance) -> None:
    rules.set(rule("auth-login", LIMIT, scope="user", failMode="closed"))
    ip = freshIp()
    tokens = [createSession(cleanRules)[1] for _ in range(LIMIT + 1)]
    statuses = [gatewayClient.post("/api/auth/login", json={}, headers=asClient(ip, token)).status_code
                for token in tokens]
    assert [status == 429 for status in statuses] == [False] * LIMIT + [True]
    assert cleanRules.keys(f"rate_limit:ip:{ip}:auth-login:*")
    assert not cleanRules.keys("rate_limit:user:*")
    line = (f"rate limit: rules version {rules.version} loaded from ksysadmin:settings:rate-limits, counting by "
            "address the user scope of groups without a signed-in user: rules[1] (auth-login)")
    assert limiterGateway.errorLog.read_text().count(line) == 1
