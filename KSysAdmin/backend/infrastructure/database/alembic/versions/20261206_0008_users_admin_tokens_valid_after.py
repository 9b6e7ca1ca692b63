from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The downgrade would make revoked admin console tokens valid again (dataLoss.py refuses it while any is set).
DATA_DROPPED = {"users": ("admin_tokens_valid_after",)}


# Admin console tokens issued at or before this time are refused (a revocation or MFA reset of the account).
# A nullable column without a default is added without rewriting the table; its brief ACCESS EXCLUSIVE lock
# is waited for at most 5 s, so that logins never queue behind it (the upgrade then fails and can be rerun).
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("users", sa.Column("admin_tokens_valid_after", sa.DateTime(timezone=True), nullable=True),
                  if_not_exists=True)


def downgrade() -> None:
    op.drop_column("users", "admin_tokens_valid_after")
