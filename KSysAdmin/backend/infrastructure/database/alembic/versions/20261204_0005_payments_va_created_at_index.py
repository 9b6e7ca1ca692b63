from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A VA notification locks the newest payment of its VA number. With the VA number alone indexed, a table
# without statistics (a new deployment before autovacuum's first ANALYZE) was read backwards through
# ix_payments_created_at_id, ~10,000 rows per notification. Built CONCURRENTLY so that payments keep being
# written meanwhile; if the build fails, PostgreSQL leaves an INVALID index of this name that must be
# dropped before the upgrade is run again.
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_payments_virtual_account_no_created_at", "payments",
                        ["virtual_account_no", "created_at"], unique=False, postgresql_concurrently=True)
        op.drop_index("ix_payments_virtual_account_no", table_name="payments", postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index("ix_payments_virtual_account_no", "payments", ["virtual_account_no"], unique=False,
                        postgresql_concurrently=True)
        op.drop_index("ix_payments_virtual_account_no_created_at", table_name="payments",
                      postgresql_concurrently=True)
