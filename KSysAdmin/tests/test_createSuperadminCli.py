from __future__ import annotations

import asyncio
import os
import pwd
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from KSysAdmin.backend.application.createSuperadmin import CreateSuperadmin
from KSysAdmin.backend.domain.models.auditLog import AuditLog
from KSysAdmin.backend.domain.models.role import Role, UserRole
from KSysAdmin.backend.domain.models.user import User, UserStatus
from KSysAdmin.backend.infrastructure import cli
from KSysAdmin.backend.infrastructure.database.userRepository import UserRepository
from KSysAdmin.tests.adminSupport import CLI_OPERATOR, CLI_OPERATOR_ENV, AdminWorld
from shared.backend.security.passwordHasher import PasswordHasher
from shared.backend.utils.uuid import generateId

ROOT_DIR = Path(__file__).resolve().parents[2]
STRONG = "Plenty-Of-Entropy-7341"


def runCli(envFile: Path, email: str, password: str, **extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "KSysAdmin.backend.infrastructure.cli", "create-superadmin", "--email", email,
               "--password-stdin"]
    environment = {**os.environ, "KSERVICES_ENV_FILE": str(envFile), **CLI_OPERATOR_ENV, **extra}
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
    assert "two-factor" not in created.stdout + again.stdout  # the test env lets admins in without TOTP
    assert await rolesOf(world, email.lower()) == [["superadmin"]]
    response = await world.client.post("/api/admin/auth/login", json={"email": email, "password": STRONG})
    assert response.status_code == 200


# A malformed address or a weak password changes nothing and is audited with its code and the operator alone: the
# entry names neither the password nor what was typed as the address.
async def test_refusedAddressOrPasswordIsAudited(world: AdminWorld, envFile: Path) -> None:
    operator = f"operator-{generateId().hex[-8:]}"
    email = f"root-{generateId().hex[-8:]}@example.com"
    weak = await asyncio.to_thread(runCli, envFile, email, "password", SUDO_USER=operator)
    malformed = await asyncio.to_thread(runCli, envFile, "root-at-example.com", STRONG, SUDO_USER=operator)
    assert (weak.returncode, malformed.returncode) == (2, 2), weak.stderr + malformed.stderr
    assert await rolesOf(world, email) == []
    async with world.database.sessionFactory() as session:
        statement = (select(AuditLog).where(AuditLog.action == "cli.create_superadmin",
                                            AuditLog.details["sudoUser"].astext == operator)
                     .order_by(AuditLog.createdAt))
        entries = (await session.execute(statement)).scalars().all()
    operatorFields = {**CLI_OPERATOR, "sudoUser": operator}
    assert [(entry.outcome, entry.actorType, entry.actorId, entry.targetType, entry.details)
            for entry in entries] == [("failure", "system", None, None, {"code": "weak_password", **operatorFields}),
                                      ("failure", "system", None, None, {"code": "invalid_email", **operatorFields})]


# Where the console requires TOTP, the command says so for an account that has it off, and only then.
async def test_createSuperadminSaysWhenTheConsoleStillNeedsTotp(world: AdminWorld, envFile: Path) -> None:
    user = await world.createUser(roles=("superadmin",))
    required = await asyncio.to_thread(runCli, envFile, user.email, STRONG, AUTH_ADMIN_REQUIRE_MFA="true")
    assert required.returncode == 0 and "which is off on this account" in required.stdout
    assert "nothing to do (password unchanged)" in required.stdout
    async with world.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET mfa_enabled = true WHERE id = :id"), {"id": user.id})
    enrolled = await asyncio.to_thread(runCli, envFile, user.email, STRONG, AUTH_ADMIN_REQUIRE_MFA="true")
    assert enrolled.returncode == 0 and "two-factor" not in enrolled.stdout


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


# Someone registered the operator's address through the public API (pending, their password): the command takes
# the account over as if it created it, so the verification mail the operator gets later activates nothing foreign.
async def test_pendingAccountIsTakenOverWithTheOperatorsPassword(world: AdminWorld, envFile: Path) -> None:
    user = await world.createUser(status=UserStatus.PENDING_VERIFICATION.value)
    async with world.database.engine.begin() as connection:
        await connection.execute(text("UPDATE users SET email_verified_at = NULL, display_name = 'mallory' "
                                      "WHERE id = :id"), {"id": user.id})
        await connection.execute(text(
            "INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, expires_at) "
            "VALUES (:id, :userId, 'email_verification', :hash, now() + interval '1 day')"
        ), {"id": generateId(), "userId": user.id, "hash": generateId().hex})
    result = await asyncio.to_thread(runCli, envFile, user.email, STRONG)
    assert result.returncode == 0, result.stderr
    assert "took it over" in result.stdout and "password set" in result.stdout
    stored = await world.getUser(user.id)
    assert (stored.status, stored.displayName) == (UserStatus.ACTIVE.value, None)
    assert stored.emailVerifiedAt is not None and stored.passwordHash != user.passwordHash
    async with world.database.engine.connect() as connection:
        open = await connection.execute(text("SELECT count(*) FROM one_time_tokens WHERE user_id = :id "
                                             "AND used_at IS NULL"), {"id": user.id})
        assert open.scalar_one() == 0
    assert await rolesOf(world, user.email) == [["superadmin", "user"]]
    response = await world.client.post("/api/admin/auth/login", json={"email": user.email, "password": STRONG})
    assert response.status_code == 200, response.text
    [entry] = await world.auditEntries("cli.create_superadmin", user.id)
    assert (entry.outcome, entry.actorType) == ("success", "system")
    assert entry.details == {"created": False, "promoted": True, "tookOverPending": True, "voidedTokens": 1,
                             **CLI_OPERATOR}


@pytest.mark.parametrize("state", ["disabled", "locked", "deleted"])
async def test_stoppedAccountIsRefusedAndUnchanged(world: AdminWorld, envFile: Path, state: str) -> None:
    user = await world.createUser(status=UserStatus.ACTIVE.value if state == "deleted" else state)
    if state == "deleted":
        async with world.database.engine.begin() as connection:
            await connection.execute(text("UPDATE users SET deleted_at = now() WHERE id = :id"), {"id": user.id})
    before = await world.getUser(user.id)
    result = await asyncio.to_thread(runCli, envFile, user.email, STRONG)
    assert result.returncode == 2
    assert result.stderr.strip() == f"kservices: {user.email} is {state}: not changed and not made a superadmin"
    after = await world.getUser(user.id)
    assert (after.status, after.passwordHash, after.updatedAt) == (before.status, before.passwordHash,
                                                                   before.updatedAt)
    assert await rolesOf(world, user.email) == [["user"]]
    [entry] = await world.auditEntries("cli.create_superadmin", user.id)
    assert (entry.outcome, entry.actorType) == ("failure", "system")
    assert entry.details == {"code": "account_not_promotable", "status": state, **CLI_OPERATOR}


# A uid without a passwd entry (a container) and no sudo: the entry names the uid only, whatever LOGNAME claims.
def test_operatorIsNullWhenTheSystemCannotNameIt(monkeypatch: pytest.MonkeyPatch) -> None:
    def unnamed(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unnamed)
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.setenv("LOGNAME", "claimed-name")
    assert cli.operatorDetails() == {"uid": os.getuid(), "osUser": None, "sudoUser": None,
                                     "host": socket.gethostname()}


# The address is registered through the public API between the command's look-up and its insert: the insert's
# conflict runs the command again, which finds the pending account and takes it over, instead of a traceback.
async def test_anAddressRegisteredDuringTheCommandIsTakenOver(world: AdminWorld,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    email = f"raced-{generateId().hex[-8:]}@example.com"
    getByEmail = UserRepository.getByEmail
    looks: list[str] = []

    async def registeredMeanwhile(self: UserRepository, address: str, forUpdate: bool = False) -> User | None:
        looks.append(address)
        if len(looks) == 1:
            async with world.database.engine.begin() as connection:
                await connection.execute(text("INSERT INTO users (id, email, password_hash, status) VALUES "
                                              "(:id, :email, 'h', 'pending_verification')"),
                                         {"id": generateId(), "email": address})
            return None
        return await getByEmail(self, address, forUpdate)

    monkeypatch.setattr(UserRepository, "getByEmail", registeredMeanwhile)
    async with world.database.sessionFactory() as session:
        useCase = CreateSuperadmin(UserRepository(session), cli.cliAuditTrail(session), session,
                                   PasswordHasher(world.settings.auth))
        result = await useCase.execute(email, STRONG)
    assert (result.created, result.tookOver, result.promoted, len(looks)) == (False, True, True, 2)
    assert await rolesOf(world, email) == [["superadmin"]]
