from __future__ import annotations

import time

import asyncpg

# Seeding for bench/adminUsers.py: N users in one INSERT ... SELECT generate_series, and a keyset cursor
# from the middle of the list.

# Never used to log in: a well-formed Argon2id hash so the rows look like real accounts.
DUMMY_HASH = "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hiZW5jaGJlbmNo$7Lq0Qm7wQ0m0y0cYb0Xv0Jw6oV3uYy7rN0i9H1kq8mM"

# Rows arrive in created_at order with UUID7-shaped ids, as in production; the random email index is
# dropped during the load and rebuilt once (a sort instead of a million random btree inserts).
SEED_USERS = """
INSERT INTO users (id, email, password_hash, status, email_verified_at, created_at, updated_at, deleted_at)
SELECT (lpad(to_hex((extract(epoch FROM ts) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8'
        || substr(h, 4, 15))::uuid,
       substr(h, 20, 8) || '.' || i || '@bench.example', $2,
       CASE WHEN i % 100 < 90 THEN 'active' WHEN i % 100 < 95 THEN 'pending_verification'
            WHEN i % 100 < 98 THEN 'locked' ELSE 'disabled' END,
       CASE WHEN i % 100 BETWEEN 90 AND 94 THEN NULL ELSE ts END, ts, ts,
       CASE WHEN i % 100 = 99 THEN ts + interval '1 day' END
FROM (SELECT i, md5(i::text) AS h, now() - (1 - i::float8 / $1) * interval '730 days' AS ts
      FROM generate_series(1, $1) AS i) AS seed
"""
SEED_ROLES = """
INSERT INTO user_roles (user_id, role_id)
SELECT users.id, roles.id FROM users JOIN roles ON roles.name = 'user'
UNION ALL
SELECT users.id, roles.id FROM users JOIN roles ON roles.name = 'admin' WHERE random() < 0.001
"""


async def seed(dsn: str, users: int) -> float:
    connection = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        await connection.execute("SET synchronous_commit = off")
        await connection.execute("SET maintenance_work_mem = '256MB'")
        await connection.execute("ALTER TABLE users DROP CONSTRAINT uq_users_email")
        await connection.execute(SEED_USERS, users, DUMMY_HASH)
        await connection.execute("ALTER TABLE users ADD CONSTRAINT uq_users_email UNIQUE (email)")
        await connection.execute(SEED_ROLES)
        elapsed = time.perf_counter() - started
        await connection.execute("VACUUM ANALYZE users")
        await connection.execute("VACUUM ANALYZE user_roles")
        return elapsed
    finally:
        await connection.close()


async def deepCursor(dsn: str, users: int) -> str:
    from KSysAdmin.backend.application.cursorCodec import encodeCursor

    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT created_at, id FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC "
            "OFFSET $1 LIMIT 1", users // 2)
    finally:
        await connection.close()
    if row is None:
        raise RuntimeError("no users seeded")
    return encodeCursor("-createdAt", row["created_at"], row["id"])
