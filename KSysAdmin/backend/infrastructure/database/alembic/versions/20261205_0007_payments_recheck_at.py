from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A cancelled or expired QR stays payable at BRI: reconciliation asks BRI about it again at recheck_at. The
# nullable column without a default is added without rewriting the table, and committed as the autocommit block
# opens. The partial index holds only the watched rows and is built CONCURRENTLY so that payments keep being
# written meanwhile (if the build fails, PostgreSQL leaves an INVALID index of this name that must be dropped
# before the upgrade is run again).
def upgrade() -> None:
    op.add_column("payments", sa.Column("recheck_at", sa.DateTime(timezone=True), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_payments_recheck_at_id", "payments", ["recheck_at", "id"], unique=False,
                        postgresql_where=sa.text("recheck_at IS NOT NULL"), postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_payments_recheck_at_id", table_name="payments", postgresql_concurrently=True)
    op.drop_column("payments", "recheck_at")
