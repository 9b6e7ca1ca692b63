from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A VA number names at most one pending payment, so a BRI notification can never match two; and
# QRIS notifications and reconciliation find payments by BRI's reference number.
def upgrade() -> None:
    op.create_index("uq_payments_pending_virtual_account_no", "payments", ["virtual_account_no"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_index("ix_payments_bri_reference_no", "payments", ["bri_reference_no"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payments_bri_reference_no", table_name="payments")
    op.drop_index("uq_payments_pending_virtual_account_no", table_name="payments",
                  postgresql_where=sa.text("status = 'pending'"))
