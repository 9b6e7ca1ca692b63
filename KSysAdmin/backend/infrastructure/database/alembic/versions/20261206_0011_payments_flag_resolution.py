from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    "ck_payments_flag_resolution_length": "char_length(flag_resolution) <= 500",
    "ck_payments_flag_resolution_complete": "num_nulls(flag_resolved_at, flag_resolved_by, flag_resolution) IN (0, 3)",
    "ck_payments_flag_resolution_needs_flag": "flag_resolved_at IS NULL OR flagged_reason IS NOT NULL",
}
FOREIGN_KEY = "fk_payments_flag_resolved_by_users"
OPEN_FLAGS = "flagged_reason IS NOT NULL AND flag_resolved_at IS NULL"
# The downgrade would reopen every resolved flag (dataLoss.py refuses it while any is resolved).
DATA_DROPPED = {"payments": ("flag_resolved_at", "flag_resolved_by", "flag_resolution")}


# An admin's resolution of a payment's flag: when, who, what. The nullable columns without a default are added
# without rewriting the table, the constraints NOT VALID (no scan under the brief ACCESS EXCLUSIVE lock, waited
# for at most 5 s); that transaction commits as the autocommit block opens, where they are validated (a scan that
# lets payments be written) and the open-flag index is built CONCURRENTLY. A rerun after a failure half-way skips
# what the first attempt committed and drops an INVALID index first.
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    columns = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("payments")}
    if "flag_resolved_at" not in columns:
        op.add_column("payments", sa.Column("flag_resolved_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column("payments", sa.Column("flag_resolved_by", sa.Uuid(), nullable=True))
        op.add_column("payments", sa.Column("flag_resolution", sa.Text(), nullable=True))
        op.execute(f"ALTER TABLE payments ADD CONSTRAINT {FOREIGN_KEY} FOREIGN KEY (flag_resolved_by) "
                   "REFERENCES users (id) NOT VALID")
        for name, condition in CHECKS.items():
            op.execute(f"ALTER TABLE payments ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID")
    with op.get_context().autocommit_block():
        for name in [FOREIGN_KEY, *CHECKS]:
            op.execute(f"ALTER TABLE payments VALIDATE CONSTRAINT {name}")
        op.drop_index("ix_payments_open_flag_created_at_id", table_name="payments", postgresql_concurrently=True,
                      if_exists=True)
        op.create_index("ix_payments_open_flag_created_at_id", "payments", ["created_at", "id"], unique=False,
                        postgresql_where=sa.text(OPEN_FLAGS), postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_payments_open_flag_created_at_id", table_name="payments", postgresql_concurrently=True,
                      if_exists=True)
    op.execute("SET LOCAL lock_timeout = '5s'")
    for name in [*CHECKS, FOREIGN_KEY]:
        op.execute(f"ALTER TABLE payments DROP CONSTRAINT IF EXISTS {name}")
    op.drop_column("payments", "flag_resolution")
    op.drop_column("payments", "flag_resolved_by")
    op.drop_column("payments", "flag_resolved_at")
