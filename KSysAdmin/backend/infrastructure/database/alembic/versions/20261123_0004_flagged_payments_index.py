from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Flagged payments (amount or reference mismatches an admin must look at) are few: the admin list's
# "flagged" filter pages through this partial index instead of scanning every payment.
def upgrade() -> None:
    op.create_index("ix_payments_flagged_created_at_id", "payments", ["created_at", "id"], unique=False,
                    postgresql_where=sa.text("flagged_reason IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_payments_flagged_created_at_id", table_name="payments",
                  postgresql_where=sa.text("flagged_reason IS NOT NULL"))
