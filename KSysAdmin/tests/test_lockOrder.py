from __future__ import annotations

import asyncio

from KSysAdmin.tests.adminSupport import AdminWorld

ROUNDS = 4


# A disable and a role change on the same superadmin at once: both take the superadmin `roles` row and the
# user's row, and in opposite orders PostgreSQL aborted one with a deadlock (answered 500).
async def test_disableAndRoleChangeOnOneSuperadminDoNotDeadlock(world: AdminWorld) -> None:
    _, headers = await world.adminToken(superadmin=True)
    for _ in range(ROUNDS):
        target = await world.createUser(roles=("superadmin",))
        disable, roles = await asyncio.gather(
            world.client.post(f"/api/admin/users/{target.id}/disable", headers=headers),
            world.client.put(f"/api/admin/users/{target.id}/roles", json={"roles": ["admin", "superadmin"]},
                             headers=headers),
        )
        assert (disable.status_code, roles.status_code) == (200, 200), (disable.text, roles.text)
