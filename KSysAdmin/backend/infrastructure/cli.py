from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.createSuperadmin import CreateSuperadmin
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysAdmin.backend.infrastructure.database.userRepository import UserRepository
from shared.backend.config.settings import ConfigurationError, loadSettings
from shared.backend.database.engine import closeDb, initDb
from shared.backend.exceptions.domainError import DomainError
from shared.backend.security.passwordHasher import PasswordHasher


def parseArguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m KSysAdmin.backend.infrastructure.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-superadmin", help="create the first superadmin (idempotent)")
    create.add_argument("--email", required=True)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser.parse_args(argv)


def readPassword(fromStdin: bool) -> str:
    if fromStdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("kservices: the passwords differ")
    return first


async def createSuperadmin(email: str, password: str) -> int:
    settings = loadSettings()
    database = await initDb(settings.database)
    try:
        async with database.sessionFactory() as session:
            useCase = CreateSuperadmin(UserRepository(session), AuditTrail(AuditLogRepository(session), session),
                                       session, PasswordHasher(settings.auth))
            result = await useCase.execute(email, password)
    finally:
        await closeDb(database)
    if result.created:
        print(f"Created superadmin {result.email} ({result.userId})")
    elif result.promoted:
        print(f"{result.email} already existed: granted the superadmin role (password unchanged)")
    else:
        print(f"{result.email} is already a superadmin: nothing to do")
    return 0


def main(argv: list[str]) -> int:
    arguments = parseArguments(argv)
    password = readPassword(arguments.password_stdin)
    try:
        return asyncio.run(createSuperadmin(arguments.email, password))
    except ConfigurationError as error:
        print(f"kservices: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"kservices: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
