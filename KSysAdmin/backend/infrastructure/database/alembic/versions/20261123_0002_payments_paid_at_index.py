from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The admin dashboard sums payments by the day they were paid (GET /api/admin/stats/daily).
def upgrade() -> None:
    op.create_index("ix_payments_paid_at", "payments", ["paid_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payments_paid_at", table_name="payments")
