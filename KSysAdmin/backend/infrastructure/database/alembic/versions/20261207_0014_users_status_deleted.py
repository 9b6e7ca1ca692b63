from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ck_users_status"
BEFORE = "status IN ('pending_verification', 'active', 'locked', 'disabled')"
AFTER = "status IN ('pending_verification', 'active', 'locked', 'disabled', 'deleted')"


# An account its holder deleted keeps its row (payments and audit entries name it) with the status `deleted`. The
# widened check is added NOT VALID under the brief ACCESS EXCLUSIVE lock (waited for at most 5 s); that transaction
# commits as the autocommit block opens, where the check is validated (a scan that lets users be written). A rerun
# after a failure half-way replaces the constraint the first attempt left.
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute(f"ALTER TABLE users DROP CONSTRAINT IF EXISTS {NAME}")
    op.execute(f"ALTER TABLE users ADD CONSTRAINT {NAME} CHECK ({AFTER}) NOT VALID")
    with op.get_context().autocommit_block():
        op.execute(f"ALTER TABLE users VALIDATE CONSTRAINT {NAME}")


# Deleted accounts become disabled ones: deleted_at still marks them gone, and their data stays erased.
def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("UPDATE users SET status = 'disabled' WHERE status = 'deleted'")
    op.execute(f"ALTER TABLE users DROP CONSTRAINT IF EXISTS {NAME}")
    op.execute(f"ALTER TABLE users ADD CONSTRAINT {NAME} CHECK ({BEFORE}) NOT VALID")
    with op.get_context().autocommit_block():
        op.execute(f"ALTER TABLE users VALIDATE CONSTRAINT {NAME}")
