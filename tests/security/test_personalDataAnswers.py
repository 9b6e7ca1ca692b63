from __future__ import annotations

import json

import httpx2

from tests.security.securitySupport import Actors

SUBMITTED = "Sekret-value-7731-never-echoed"
PROFILE_FIELDS = {"id", "email", "displayName", "phoneNumber", "emailVerified", "mfaEnabled", "roles", "createdAt"}
SESSION_FIELDS = {"id", "deviceFingerprint", "userAgent", "ip", "createdAt", "lastUsedAt", "expiresAt", "current"}


# A 422 names the field and the rule, never the value: a password typed in the wrong box, or of the wrong type,
# must not come back in an answer a frontend may log or show.
def test_validationAnswersDoNotEchoWhatWasSent(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    bearer = {"Authorization": f"Bearer {actors.user.userToken}"}
    attempts = [
        ("/api/auth/login", {"email": "a@example.com", "password": "x", "passwrd": SUBMITTED}, {}),
        ("/api/auth/login", {"email": "a@example.com", "password": [SUBMITTED]}, {}),
        ("/api/auth/register", {"email": SUBMITTED, "password": SUBMITTED + "\u0000"}, {}),
        ("/api/auth/password/reset", {"token": [SUBMITTED], "newPassword": {"x": SUBMITTED}}, {}),
        ("/api/auth/password/change", {"currentPassword": 1, "newPassword": SUBMITTED + "\u0000"}, bearer),
        ("/api/auth/mfa/totp/setup", {"password": {"value": SUBMITTED}}, bearer),
        ("/api/admin/auth/login", {"email": SUBMITTED, "password": [SUBMITTED]}, {}),
    ]
    for path, body, headers in attempts:
        response = http.post(f"{gatewayUrl}{path}", json=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert SUBMITTED not in response.text, (path, response.text)
        assert response.json()["error"]["details"], path


# Everything the account app holds about a caller it shows through these two answers, and nothing stored for
# the server's use (hashes, ciphertexts) nor anyone else's sessions.
def test_aUserSeesTheirOwnDataOnly(gatewayUrl: str, http: httpx2.Client, actors: Actors) -> None:
    bearer = {"Authorization": f"Bearer {actors.user.userToken}"}
    profile = http.get(f"{gatewayUrl}/api/auth/me", headers=bearer)
    assert profile.status_code == 200 and set(profile.json()) == PROFILE_FIELDS
    assert profile.json()["id"] == str(actors.user.userId) and profile.json()["email"] == actors.user.email
    sessions = http.get(f"{gatewayUrl}/api/auth/sessions", headers=bearer)
    assert sessions.status_code == 200
    listed = sessions.json()["sessions"]
    assert {session["id"] for session in listed} == {str(sid) for sid in actors.user.sessionIds}
    assert all(set(session) == SESSION_FIELDS for session in listed)
    text = json.dumps([profile.json(), sessions.json()])
    for other in (actors.otherUser, actors.admin):
        assert other.email not in text and str(other.userId) not in text
        assert not any(str(sid) in text for sid in other.sessionIds)
