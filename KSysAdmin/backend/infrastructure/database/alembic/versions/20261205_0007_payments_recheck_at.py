from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The downgrade would end the watch of every payment due a recheck (dataLoss.py refuses it while any is).
DATA_DROPPED = {"payments": ("recheck_at",)}


# A cancelled or expired QR stays payable at BRI: reconciliation asks BRI about it again at recheck_at. The
# nullable column without a default is added without rewriting the table; its brief ACCESS EXCLUSIVE lock is
# waited for at most 5 s (then the upgrade fails and can be run again) so that payment traffic never queues
# behind it. The column is committed as the autocommit block opens; the partial index holds only the watched
# rows and is built CONCURRENTLY so that payments keep being written meanwhile. Every step tolerates a
# previous attempt that failed half-way (an INVALID index left by a failed build is dropped first).
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("payments", sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True), if_not_exists=True)
    with op.get_context().autocommit_block():
        op.drop_index("ix_payments_recheck_at_id", table_name="payments", postgresql_concurrently=True,
                      if_exists=True)
        op.create_index("ix_payments_recheck_at_id", "payments", ["recheck_at", "id"], unique=False,
                        postgresql_where=sa.text("recheck_at IS NOT NULL"), postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_payments_recheck_at_id", table_name="payments", postgresql_concurrently=True,
                      if_exists=True)
    op.drop_column("payments", "recheck_at")
