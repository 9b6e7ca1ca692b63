from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import pwd
import socket
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from KSysAdmin.backend.application.auditTrail import AuditTrail
from KSysAdmin.backend.application.createSuperadmin import CreateSuperadmin
from KSysAdmin.backend.application.reencryptSecrets import ReencryptReport, ReencryptSecrets
from KSysAdmin.backend.application.resetRateLimits import ResetRateLimits
from KSysAdmin.backend.infrastructure.database.auditLogRepository import AuditLogRepository
from KSysAdmin.backend.infrastructure.database.encryptedColumnRepository import EncryptedColumnRepository
from KSysAdmin.backend.infrastructure.database.settingsRepository import SettingsRepository
from KSysAdmin.backend.infrastructure.database.userRepository import UserRepository
from KSysAdmin.backend.infrastructure.redis.settingsPublisher import RedisSettingsPublisher
from shared.backend.config.settings import ConfigurationError, Settings, loadSettings
from shared.backend.cryptoFactory import createCrypto
from shared.backend.database.engine import DatabaseUnavailableError, closeDb, initDb
from shared.backend.exceptions.domainError import DomainError
from shared.backend.loggingFactory import configureLogging
from shared.backend.redis.client import RedisUnavailableError, initRedis
from shared.backend.security.passwordHasher import PasswordHasher


def batchSize(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise argparse.ArgumentTypeError("must be a whole number from 1 to 10000")
    return int(text)


def parseArguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m KSysAdmin.backend.infrastructure.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-superadmin", help="create the first superadmin (idempotent)")
    create.add_argument("--email", required=True)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    rotate = commands.add_parser("reencrypt-secrets", help="after a master key rotation, move every encrypted "
                                 "value under CRYPTO_MASTER_KEY (resumable)")
    rotate.add_argument("--dry-run", action="store_true", help="count what would change; write nothing, lock no row")
    rotate.add_argument("--batch-size", type=batchSize, default=500, help="rows per transaction (1-10000)")
    commands.add_parser("reset-rate-limits", help="drop every stored rate-limit rule, so the gateway applies its "
                        "defaults (recovery when a rule keeps the admins out)")
    return parser.parse_args(argv)


# Who ran the command, on every audit entry it writes: the real uid and its passwd name (null without an entry, e.g.
# a container uid), the user sudo names as its caller (SUDO_USER, null when not run through sudo) and the host.
def operatorDetails() -> dict[str, object]:
    uid = os.getuid()
    try:
        osUser: str | None = pwd.getpwuid(uid).pw_name
    except KeyError:
        osUser = None
    return {"uid": uid, "osUser": osUser, "sudoUser": os.environ.get("SUDO_USER") or None,
            "host": socket.gethostname()}


def cliAuditTrail(session: AsyncSession) -> AuditTrail:
    return AuditTrail(AuditLogRepository(session), session, operatorDetails())


# The audit lines a command logs follow LOG_FORMAT and LOG_LEVEL, through the servers' redaction.
def loadCliSettings() -> Settings:
    settings = loadSettings()
    configureLogging(settings.app)
    return settings


def readPassword(fromStdin: bool) -> str:
    if fromStdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise SystemExit("kservices: the passwords differ")
    return first


async def createSuperadmin(email: str, password: str) -> int:
    settings = loadCliSettings()
    database = await initDb(settings.database)
    try:
        async with database.sessionFactory() as session:
            useCase = CreateSuperadmin(UserRepository(session), cliAuditTrail(session), session,
                                       PasswordHasher(settings.auth))
            result = await useCase.execute(email, password)
    finally:
        await closeDb(database)
    if result.created:
        print(f"Created superadmin {result.email} ({result.userId})")
    elif result.tookOver:
        print(f"{result.email} was registered but never verified: took it over as a new superadmin (your password "
              "set, email marked verified, its outstanding emailed links voided)")
    elif result.promoted:
        print(f"{result.email} already existed: granted the superadmin role (password unchanged)")
    else:
        print(f"{result.email} is already a superadmin: nothing to do (password unchanged)")
    if settings.auth.adminRequireMfa and not result.mfaEnabled:
        print("The console needs two-factor authentication, which is off on this account (AUTH_ADMIN_REQUIRE_MFA): "
              "sign in with it at /auth/ and turn it on there first")
    return 0


# Without a previous key there is nothing to move from: such a run (say after `docker compose restart`, which
# keeps the old environment, current key included) would report "re-encrypted 0, 0 unreadable", the sign that
# the old key may go. Refused before any database access; a dry run still checks values under the current key.
NO_PREVIOUS_KEYS = ("kservices: CRYPTO_PREVIOUS_MASTER_KEYS is empty: there is no old key to move values from, "
                    "nothing was changed. A rotation puts the new key in CRYPTO_MASTER_KEY and the old one in "
                    "CRYPTO_PREVIOUS_MASTER_KEYS (under Docker `docker compose up -d` applies .env, `docker compose "
                    "restart` does not). --dry-run checks that every value opens under CRYPTO_MASTER_KEY alone.")


async def reencryptSecrets(dryRun: bool, batchSize: int) -> int:
    settings = loadCliSettings()
    if not dryRun and not settings.crypto.previousMasterKeys:
        print(NO_PREVIOUS_KEYS, file=sys.stderr)
        return 2
    cipher = createCrypto(settings.crypto)
    database = await initDb(settings.database)
    try:
        async with database.sessionFactory() as session:
            useCase = ReencryptSecrets(EncryptedColumnRepository(session), cliAuditTrail(session), session, cipher,
                                       batchSize)
            report = await useCase.execute(dryRun)
    finally:
        await closeDb(database)
    printReport(report, dryRun, len(settings.crypto.previousMasterKeys))
    return 1 if report.unreadable else 0


async def resetRateLimits() -> int:
    settings = loadCliSettings()
    # Redis first: with it down the reset would commit, then fail to reach the gateway.
    redis = await initRedis(settings.redis)
    try:
        database = await initDb(settings.database)
    except DatabaseUnavailableError:
        await redis.aclose()
        raise
    try:
        async with database.sessionFactory() as session:
            useCase = ResetRateLimits(SettingsRepository(session), RedisSettingsPublisher(redis),
                                      cliAuditTrail(session), session)
            result = await useCase.execute()
    finally:
        await redis.aclose()
        await closeDb(database)
    print(f"Rate limits reset to the gateway's defaults: {counted(result.removedRules, 'stored rule')} removed, "
          f"version {result.version} published")
    return 0


# "1 row", "2 rows".
def counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def printReport(report: ReencryptReport, dryRun: bool, previousKeys: int) -> None:
    verb = "would re-encrypt" if dryRun else "re-encrypted"
    print(f"{counted(report.rows, 'row')} with encrypted values: {verb} {report.reencrypted}, "
          f"{report.current} already under CRYPTO_MASTER_KEY, {len(report.unreadable)} unreadable")
    if previousKeys == 0:
        print("CRYPTO_PREVIOUS_MASTER_KEYS is empty: values were only checked against CRYPTO_MASTER_KEY")
    for item in report.unreadable:
        print(f"kservices: no configured key opens {item} (left unchanged)", file=sys.stderr)


def main(argv: list[str]) -> int:
    arguments = parseArguments(argv)
    try:
        if arguments.command == "reencrypt-secrets":
            return asyncio.run(reencryptSecrets(arguments.dry_run, arguments.batch_size))
        if arguments.command == "reset-rate-limits":
            return asyncio.run(resetRateLimits())
        password = readPassword(arguments.password_stdin)
        return asyncio.run(createSuperadmin(arguments.email, password))
    except (ConfigurationError, DatabaseUnavailableError, RedisUnavailableError) as error:
        print(f"kservices: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"kservices: {error.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
