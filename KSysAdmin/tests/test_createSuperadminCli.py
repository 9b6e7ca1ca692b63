from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from KSysAdmin.backend.domain.models.role import Role, UserRole
from KSysAdmin.backend.domain.models.user import User
from KSysAdmin.tests.adminSupport import AdminWorld
from shared.backend.utils.uuid import generateId

ROOT_DIR = Path(__file__).resolve().parents[2]
STRONG = "Plenty-Of-Entropy-7341"


def runCli(envFile: Path, email: str, password: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "KSysAdmin.backend.infrastructure.cli", "create-superadmin", "--email", email,
               "--password-stdin"]
    environment = {**os.environ, "KSERVICES_ENV_FILE": str(envFile)}
    return subprocess.run(command, input=password + "\n", capture_output=True, text=True, cwd=ROOT_DIR,
                          env=environment, timeout=60, check=False)


@pytest.fixture
def envFile(world: AdminWorld, tmp_path: Path) -> Path:
    source = Path(os.environ["KSERVICES_ENV_FILE"])
    if not source.is_absolute():
        source = ROOT_DIR / source
    lines = [line for line in source.read_text().splitlines() if not line.startswith("DATABASE_URL=")]
    lines.append(f"DATABASE_URL={world.settings.database.url.get_secret_value()}")
    path = tmp_path / "env"
    path.write_text("\n".join(lines) + "\n")
    return path


async def rolesOf(world: AdminWorld, email: str) -> list[list[str]]:
    async with world.database.sessionFactory() as session:
        users = (await session.execute(select(User).where(User.email == email))).scalars().all()
        found = []
        for user in users:
            statement = select(Role.name).join(UserRole, UserRole.roleId == Role.id).where(UserRole.userId == user.id)
            found.append(sorted((await session.execute(statement)).scalars().all()))
        return found


async def test_createSuperadminRefusesWeakPasswordsAndIsIdempotent(world: AdminWorld, envFile: Path) -> None:
    email = f"Root-{generateId().hex[-8:]}@Example.com"
    weak = await asyncio.to_thread(runCli, envFile, email, "password")
    assert weak.returncode == 2 and "password" in weak.stderr
    assert await rolesOf(world, email.lower()) == []
    created = await asyncio.to_thread(runCli, envFile, email, STRONG)
    assert created.returncode == 0, created.stderr
    again = await asyncio.to_thread(runCli, envFile, email, STRONG)
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert await rolesOf(world, email.lower()) == [["superadmin"]]
    response = await world.client.post("/api/admin/auth/login", json={"email": email, "password": STRONG})
    assert response.status_code == 200


async def test_existingUserIsPromotedWithoutPasswordChange(world: AdminWorld, envFile: Path) -> None:
    user = await world.createUser()
    promoted = await asyncio.to_thread(runCli, envFile, user.email, STRONG)
    assert promoted.returncode == 0 and "granted" in promoted.stdout
    assert await rolesOf(world, user.email) == [["superadmin", "user"]]
    assert (await world.getUser(user.id)).passwordHash == user.passwordHash


async def test_addressIsStoredAsRegisterStoresIt(world: AdminWorld, envFile: Path) -> None:
    malformed = await asyncio.to_thread(runCli, envFile, "root-at-example.com", STRONG)
    assert malformed.returncode == 2 and "email" in malformed.stderr
    # An IDNA domain typed in its ASCII form is stored in Unicode, as register's EmailStr keeps it.
    email = f"Root-{generateId().hex[-8:]}@XN--BCHER-KVA.Example"
    created = await asyncio.to_thread(runCli, envFile, email, STRONG)
    assert created.returncode == 0, created.stderr
    assert await rolesOf(world, email.split("@")[0].lower() + "@bücher.example") == [["superadmin"]]
    response = await world.client.post("/api/admin/auth/login", json={"email": email, "password": STRONG})
    assert response.status_code == 200
