from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNIQUE = "uq_payments_bri_reference_no"
PLAIN = "ix_payments_bri_reference_no"
DUPLICATES = """
SELECT bri_reference_no, count(*) AS payments FROM payments
WHERE bri_reference_no IS NOT NULL GROUP BY bri_reference_no HAVING count(*) > 1 ORDER BY 1 LIMIT 5
"""


# BRI's reference number names one QRIS payment: notifications and reconciliation find the payment by it, so a
# second payment holding it could be settled in the first one's place. The unique index replaces the plain one,
# built CONCURRENTLY so payments keep being written; a rerun after a failed build drops the INVALID index first.
# Payments already sharing a reference stop the upgrade, named, for an operator to resolve.
def upgrade() -> None:
    shared = op.get_bind().execute(sa.text(DUPLICATES)).all()
    if shared:
        listed = ", ".join(f"{reference} ({count} payments)" for reference, count in shared)
        raise RuntimeError(f"payments share a BRI reference number, resolve them before this upgrade: {listed}")
    with op.get_context().autocommit_block():
        op.drop_index(UNIQUE, table_name="payments", postgresql_concurrently=True, if_exists=True)
        op.create_index(UNIQUE, "payments", ["bri_reference_no"], unique=True,
                        postgresql_where=sa.text("bri_reference_no IS NOT NULL"), postgresql_concurrently=True)
        op.drop_index(PLAIN, table_name="payments", postgresql_concurrently=True, if_exists=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(PLAIN, table_name="payments", postgresql_concurrently=True, if_exists=True)
        op.create_index(PLAIN, "payments", ["bri_reference_no"], unique=False, postgresql_concurrently=True)
        op.drop_index(UNIQUE, table_name="payments", postgresql_concurrently=True, if_exists=True)
