from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from KSysAdmin.tests.migrationSupport import alembicConfig, runAlembic, scratchDatabase
from shared.backend.config.secretSettings import CryptoSettings
from shared.backend.config.settings import Settings
from shared.backend.cryptoFactory import CryptoService, createCrypto
from shared.backend.security.fieldContexts import phoneContext
from shared.backend.security.secondFactor import mfaContext
from shared.backend.utils.uuid import generateId
from tests.foundation.startupSupport import SERVERS, onScratch, runSql, startupFailure
from tests.foundation.test_startup import noTraceback, runServer, serverEnvironment

ROOT = Path(__file__).resolve().parents[2]
OTHER_KEY = base64.b64encode(os.urandom(32)).decode()
SECRET = "JBSWY3DPEHPK3PXP"


def cryptoSettings(current: str, previous: str = "", iterations: int = 2) -> CryptoSettings:
    return CryptoSettings(CRYPTO_MASTER_KEY=current, CRYPTO_PREVIOUS_MASTER_KEYS=previous,  # type: ignore[call-arg]
                          CRYPTO_ARGON2_ITERATIONS=iterations, _env_file=None)


def crypto(current: str, iterations: int = 2) -> CryptoService:
    return createCrypto(cryptoSettings(current, iterations=iterations))


def currentKey(settings: Settings) -> str:
    return settings.crypto.masterKey.get_secret_value()


@pytest.fixture(scope="module")
async def scratchUrl(settings: Settings) -> AsyncIterator[str]:
    async with scratchDatabase(settings.database.url.get_secret_value()) as url:
        await runAlembic(alembicConfig(url), "upgrade", "head")
        yield url


# Users whose TOTP secret (and phone number, where given) the given ciphers wrote; deleted afterwards.
@asynccontextmanager
async def storedUsers(url: str, *writers: tuple[CryptoService, CryptoService | None]) -> AsyncIterator[list[uuid.UUID]]:
    ids = [generateId() for _ in writers]
    try:
        for userId, (totpWriter, phoneWriter) in zip(ids, writers, strict=True):
            phone = phoneWriter.encryptSensitive("+6281234567890", phoneContext(userId)) if phoneWriter else None
            await runSql(url, "INSERT INTO users (id, email, password_hash, mfa_enabled, totp_secret_encrypted, "
                         "phone_encrypted) VALUES ($1, $2, 'x', true, $3, $4)", userId, f"k{userId.hex}@example.com",
                         totpWriter.encryptSensitive(SECRET, mfaContext(userId)), phone)
        yield ids
    finally:
        await runSql(url, "DELETE FROM users WHERE id = ANY($1::uuid[])", ids)


@pytest.mark.parametrize("server", SERVERS)
async def test_aTotpSecretNoConfiguredKeyOpensStopsStartup(settings: Settings, scratchUrl: str, server: str) -> None:
    async with storedUsers(scratchUrl, (crypto(OTHER_KEY), None)) as [userId]:
        failure = await startupFailure(SERVERS[server](onScratch(settings, scratchUrl)))
        assert failure is not None
        assert f"no configured key opens the stored users.totp_secret_encrypted values (read 1: users {userId})" \
            in failure
        assert "CRYPTO_MASTER_KEY is not the key they were written under and CRYPTO_PREVIOUS_MASTER_KEYS" in failure
        assert OTHER_KEY not in failure and currentKey(settings) not in failure
        # The old key listed as a previous one: every stored value opens again.
        keeping = cryptoSettings(currentKey(settings), previous=OTHER_KEY)
        assert await startupFailure(SERVERS[server](onScratch(settings, scratchUrl, keeping))) is None


async def test_aPhoneNumberNoConfiguredKeyOpensStopsStartup(settings: Settings, scratchUrl: str) -> None:
    current, other = crypto(currentKey(settings)), crypto(OTHER_KEY)
    async with storedUsers(scratchUrl, (current, other), (current, other)):
        failure = await startupFailure(SERVERS["public"](onScratch(settings, scratchUrl)))
        assert failure is not None and "no configured key opens the stored users.phone_encrypted values" in failure


async def test_changedArgon2SettingsStopStartup(settings: Settings, scratchUrl: str) -> None:
    async with storedUsers(scratchUrl, (crypto(currentKey(settings)), None)):
        changed = cryptoSettings(currentKey(settings), iterations=3)
        failure = await startupFailure(SERVERS["admin"](onScratch(settings, scratchUrl, changed)))
        assert failure is not None
        assert "written under Argon2id parameter set 1 and this configuration derives set 0" in failure
        assert "CRYPTO_ARGON2_ITERATIONS" in failure
    # Values written under those settings (a custom set, id 0) with the defaults back: named as changed settings.
    async with storedUsers(scratchUrl, (crypto(currentKey(settings), iterations=3), None)):
        failure = await startupFailure(SERVERS["admin"](onScratch(settings, scratchUrl)))
        assert failure is not None and "parameter set 0 and this configuration derives set 1" in failure


# A single value that opens under no key (damaged, or copied from another user's row) among readable ones is that
# user's problem, answered 503 when read: the server starts and names it.
async def test_oneUnreadableValueAmongReadableOnesStartsWithAWarning(
    settings: Settings, scratchUrl: str, capsys: pytest.CaptureFixture[str]
) -> None:
    current = crypto(currentKey(settings))
    async with storedUsers(scratchUrl, (current, None), (crypto(OTHER_KEY), None), (current, None)) as ids:
        capsys.readouterr()
        assert await startupFailure(SERVERS["public"](onScratch(settings, scratchUrl))) is None
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        [warning] = [line for line in lines if line.get("label") == "stored_value_unreadable"]
        assert (warning["level"], warning["user_id"], warning["column"]) == ("warning", str(ids[1]),
                                                                             "totp_secret_encrypted")


def runCli(databaseUrl: str, keys: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CRYPTO_")}
    environment |= {"DATABASE_URL": databaseUrl, "CRYPTO_PREVIOUS_MASTER_KEYS": "", **keys}
    return subprocess.run([sys.executable, "-m", "KSysAdmin.backend.infrastructure.cli", "reencrypt-secrets"],
                          capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120, check=False)


# docs/crypto.md's rotation: the servers start with the new key and the old one listed, the command moves every
# value, and then the old key can go.
async def test_keyRotationStillStartsAtEveryStep(settings: Settings, scratchUrl: str) -> None:
    newKey = base64.b64encode(os.urandom(32)).decode()
    old = crypto(currentKey(settings))
    async with storedUsers(scratchUrl, (old, old), (old, None)):
        rotated = cryptoSettings(newKey, previous=currentKey(settings))
        assert await startupFailure(SERVERS["public"](onScratch(settings, scratchUrl, rotated))) is None
        keys = {"CRYPTO_MASTER_KEY": newKey, "CRYPTO_PREVIOUS_MASTER_KEYS": currentKey(settings)}
        moved = await asyncio.to_thread(runCli, scratchUrl, keys)
        assert moved.returncode == 0, moved.stderr
        assert "re-encrypted 3" in moved.stdout
        assert await startupFailure(SERVERS["admin"](onScratch(settings, scratchUrl, cryptoSettings(newKey)))) is None


# The real server start: exits at once with the one line naming the problem, and no key.
def test_serverWithAnotherKeyExitsNamingTheSettings(settings: Settings, scratchUrl: str) -> None:
    other = crypto(OTHER_KEY)
    userId = generateId()
    asyncio.run(runSql(scratchUrl, "INSERT INTO users (id, email, password_hash, totp_secret_encrypted) "
                       "VALUES ($1, $2, 'x', $3)", userId, f"k{userId.hex}@example.com",
                       other.encryptSensitive(SECRET, mfaContext(userId))))
    try:
        code, output, elapsed = runServer("admin_server", serverEnvironment(settings, DATABASE_URL=scratchUrl))
    finally:
        asyncio.run(runSql(scratchUrl, "DELETE FROM users WHERE id = $1", userId))
    assert code != 0
    assert "KServices admin API cannot start: no configured key opens the stored users.totp_secret_encrypted" \
        in output
    assert "CRYPTO_PREVIOUS_MASTER_KEYS" in output
    assert OTHER_KEY not in output and currentKey(settings) not in output
    assert elapsed < 20
    assert noTraceback(output)
