from __future__ import annotations

import uuid

from sqlalchemy import Select, column, select, table

from shared.backend.cryptoFactory import CryptoService, DecryptionError, storedParamsId
from shared.backend.database.engine import Database
from shared.backend.loggingFactory import getSystemLogger
from shared.backend.security.fieldContexts import ENCRYPTED_USER_COLUMNS

# Values read per encrypted column. The keys are wrong when none of them opens: one damaged or misplaced value
# must not keep the service down (the request that reads it is answered 503 stored_data_unreadable).
SAMPLE_SIZE = 3
ARGON2_SETTINGS = "CRYPTO_ARGON2_MEMORY_KIB, CRYPTO_ARGON2_ITERATIONS and CRYPTO_ARGON2_PARALLELISM"

logger = getSystemLogger("startup")


class StoredDataUnreadableError(RuntimeError):
    pass


# A sequential scan that stops at the SAMPLE_SIZE-th value: cheap unless the column is nearly always empty.
def sampleStatement(name: str) -> Select[tuple[uuid.UUID, str]]:
    value = column(name)
    return select(column("id"), value).select_from(table("users")).where(value.is_not(None)).limit(SAMPLE_SIZE)


def opens(crypto: CryptoService, value: str, context: str) -> bool:
    try:
        crypto.decryptSensitive(value, context)
    except DecryptionError:
        return False
    return True


def unreadableMessage(name: str, samples: list[tuple[uuid.UUID, str]], paramsId: int) -> str:
    users = ", ".join(str(userId) for userId, _ in samples)
    head = f"no configured key opens the stored users.{name} values (read {len(samples)}: users {users})"
    written = sorted({found for _, value in samples if (found := storedParamsId(value)) not in (None, paramsId)})
    if written:
        return (f"{head}: they were written under Argon2id parameter set {written[0]} and this configuration derives "
                f"set {paramsId}; set {ARGON2_SETTINGS} back to the values they were written with (docs/crypto.md)")
    return (f"{head}: CRYPTO_MASTER_KEY is not the key they were written under and CRYPTO_PREVIOUS_MASTER_KEYS does "
            "not list that key (after a rotation the old key stays there until reencrypt-secrets has moved every "
            f"value), or {ARGON2_SETTINGS} differ from the ones they were written with (docs/crypto.md)")


# At startup, once the database is open: a few stored values of every encrypted users column must open under the
# configured keys. Never logs or raises a value or a key, only user ids and column names.
async def checkStoredValues(database: Database, crypto: CryptoService) -> None:
    async with database.engine.connect() as connection:
        for name, contextOf in ENCRYPTED_USER_COLUMNS.items():
            samples = [(row[0], row[1]) for row in await connection.execute(sampleStatement(name))]
            unreadable = [userId for userId, value in samples if not opens(crypto, value, contextOf(userId))]
            if samples and len(unreadable) == len(samples):
                raise StoredDataUnreadableError(unreadableMessage(name, samples, crypto.paramsId))
            for userId in unreadable:
                logger.warning("stored_value_unreadable", f"users.{name} of user {userId} opens under no configured "
                               "key, while other values do (reencrypt-secrets --dry-run lists every such value)",
                               column=name, user_id=str(userId))
