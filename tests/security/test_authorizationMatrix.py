from __future__ import annotations

import httpx2
import pytest

from tests.security.securitySupport import (
    ANONYMOUS_ALLOWED,
    GROUPS,
    SUPERADMIN_ONLY,
    Actors,
    Operation,
    errorCode,
    groupDocument,
    inProcessDocument,
    isEnvelope,
    liveDocument,
    operationsOf,
    send,
)

# Operations that end the caller's own session: probed last so the others keep a live token.
SELF_ENDING = {("POST", "/api/auth/logout"), ("POST", "/api/auth/logout-all")}
# Every user-facing operation with an id in its path and how its IDOR probe is checked below.
IDOR_COVERED = {
    ("DELETE", "/api/auth/sessions/{sessionId}"),
    ("GET", "/api/payment/payments/{paymentId}"),
    ("POST", "/api/payment/payments/{paymentId}/cancel"),
}


def operations(gatewayUrl: str, *groups: str) -> list[Operation]:
    found = [op for group in groups for op in operationsOf(groupDocument(gatewayUrl, group), group)]
    return sorted(found, key=lambda op: (op.key in SELF_ENDING, op.path, op.method))


def protected(gatewayUrl: str, *groups: str) -> list[Operation]:
    return [op for op in operations(gatewayUrl, *groups) if op.key not in ANONYMOUS_ALLOWED]


def describe(op: Operation, response: httpx2.Response) -> str:
    return f"{op.method} {op.path} -> {response.status_code} {response.text[:160]}"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_liveOpenApiDocumentListsEveryRoute(gatewayUrl: str, group: str) -> None:
    live = set(liveDocument(gatewayUrl, group).get("paths", {}))
    expected = set(inProcessDocument(group)["paths"])
    assert expected, f"the {group} service declares no route"
    assert live == expected, f"{GROUPS[group]}/openapi.json lists {sorted(live)}, the app serves {sorted(expected)}"


def test_allowlistsNameExistingOperations(gatewayUrl: str) -> None:
    keys = {op.key for op in operations(gatewayUrl, *GROUPS)}
    assert ANONYMOUS_ALLOWED - keys == set(), "stale anonymous allowlist entries"
    assert SUPERADMIN_ONLY - keys == set(), "stale superadmin-only entries"


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_anonymousGets401EnvelopeOutsideTheAllowlist(gatewayUrl: str, http: httpx2.Client, group: str) -> None:
    ops = protected(gatewayUrl, group)
    assert ops, f"no protected operation found in {group}"
    failures = [describe(op, r) for op in ops
                if (r := send(http, op, gatewayUrl)).status_code != 401 or not isEnvelope(r)]
    assert not failures, "anonymous access not refused:\n" + "\n".join(failures)


def test_userTokensAreRefusedOnAdminRoutes(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    failures: list[str] = []
    for op in protected(gatewayUrl, "admin"):
        # A user-audience token is not an admin token at all.
        response = send(http, op, gatewayUrl, actors.user.userToken)
        if response.status_code != 401 or not isEnvelope(response):
            failures.append("user token: " + describe(op, response))
        # An admin-audience token for an account without an admin role.
        response = send(http, op, gatewayUrl, actors.user.adminToken)
        if response.status_code != 403 or errorCode(response) != "insufficient_role":
            failures.append("plain user, admin audience: " + describe(op, response))
    assert not failures, "\n".join(failures)


def test_adminTokensAreRefusedOnUserRoutes(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    failures = [describe(op, r) for op in protected(gatewayUrl, "auth", "payment")
                if (r := send(http, op, gatewayUrl, actors.superadmin.adminToken)).status_code != 401
                or not isEnvelope(r)]
    assert not failures, "admin token accepted on a user route:\n" + "\n".join(failures)


def test_plainAdminIsRefusedOnSuperadminRoutesOnly(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    failures: list[str] = []
    for op in protected(gatewayUrl, "admin"):
        response = send(http, op, gatewayUrl, actors.admin.adminToken)
        if op.key in SUPERADMIN_ONLY:
            if response.status_code != 403 or errorCode(response) != "insufficient_role":
                failures.append("expected 403: " + describe(op, response))
        elif response.status_code in (401, 403) or response.status_code >= 500:
            # Random ids: 404 or 422 are fine; a refusal means the route is superadmin-only but unlisted.
            failures.append("admin refused or crashed: " + describe(op, response))
    assert not failures, "\n".join(failures)


def test_superadminPassesSuperadminRoutes(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    failures: list[str] = []
    for op in protected(gatewayUrl, "admin"):
        if op.key not in SUPERADMIN_ONLY:
            continue
        # PUTs get an empty body: 422 proves authorization passed without publishing anything.
        response = send(http, op, gatewayUrl, actors.superadmin.adminToken, body={})
        expected = 200 if op.method == "GET" else 422
        if response.status_code != expected:
            failures.append(describe(op, response))
    assert not failures, "\n".join(failures)


async def test_userTokensPassEveryUserRoute(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    probe = await actors.factory.create(["user"], "sec-probe")
    failures: list[str] = []
    for op in protected(gatewayUrl, "auth", "payment"):
        token = probe.userToken
        if op.key in SELF_ENDING:
            # Each self-ending call gets its own fresh session.
            sid = await actors.factory.addSession(probe)
            token = actors.factory.token(probe, actors.factory.settings.jwt.userAudience, sessionId=sid)
        response = send(http, op, gatewayUrl, token)
        if response.status_code in (401, 403) or response.status_code >= 500:
            failures.append(describe(op, response))
    assert not failures, "a valid user token was refused or crashed:\n" + "\n".join(failures)


def test_everyUserRouteWithAnIdHasAnIdorCheck(gatewayUrl: str) -> None:
    withIds = {op.key for op in protected(gatewayUrl, "auth", "payment") if op.pathParams()}
    assert withIds - IDOR_COVERED == set(), "add an IDOR check for these routes"


async def test_otherUsersSessionCannotBeRevoked(gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors) -> None:
    victim = actors.otherUser
    sid = victim.sessionId
    response = await ahttp.delete(f"{gatewayUrl}/api/auth/sessions/{sid}",
                           headers={"Authorization": f"Bearer {actors.user.userToken}"})
    assert response.status_code == 404 and isEnvelope(response), response.text
    revoked = await actors.factory.scalar("SELECT revoked_at FROM sessions WHERE id = :id", {"id": sid})
    assert revoked is None
    assert await actors.factory.redis.exists(f"kauth:session:{sid}") == 1
    mine = await ahttp.get(f"{gatewayUrl}/api/auth/me", headers={"Authorization": f"Bearer {victim.userToken}"})
    assert mine.status_code == 200


async def test_otherUsersPaymentIsInvisibleAndUncancellable(
    gatewayUrl: str, ahttp: httpx2.AsyncClient, actors: Actors
) -> None:
    paymentId = await actors.factory.insertPayment(actors.otherUser)
    intruder = {"Authorization": f"Bearer {actors.user.userToken}"}
    read = await ahttp.get(f"{gatewayUrl}/api/payment/payments/{paymentId}", headers=intruder)
    assert read.status_code == 404 and errorCode(read) == "payment_not_found", read.text
    cancel = await ahttp.post(f"{gatewayUrl}/api/payment/payments/{paymentId}/cancel", headers=intruder)
    assert cancel.status_code == 404 and isEnvelope(cancel), cancel.text
    listed = await ahttp.get(f"{gatewayUrl}/api/payment/payments", headers=intruder)
    assert listed.status_code == 200 and str(paymentId) not in listed.text
    status = await actors.factory.scalar("SELECT status FROM payments WHERE id = :id", {"id": paymentId})
    assert status == "pending"
    owner = await ahttp.get(f"{gatewayUrl}/api/payment/payments/{paymentId}",
                     headers={"Authorization": f"Bearer {actors.otherUser.userToken}"})
    assert owner.status_code == 200 and owner.json()["id"] == str(paymentId)
