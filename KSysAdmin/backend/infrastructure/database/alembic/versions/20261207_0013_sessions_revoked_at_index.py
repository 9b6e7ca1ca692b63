from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_sessions_revoked_at_id"


# The admin server's sweep of revoked sessions' Redis keys reads the sessions revoked since its last pass, every
# few seconds, in (revoked_at, id) order: without an index each pass read the whole table. Only revoked rows are
# indexed. Built CONCURRENTLY so sessions keep being written; a rerun after a failed build drops the INVALID index.
def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, table_name="sessions", postgresql_concurrently=True, if_exists=True)
        op.create_index(INDEX, "sessions", ["revoked_at", "id"], unique=False,
                        postgresql_where=sa.text("revoked_at IS NOT NULL"), postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(INDEX, table_name="sessions", postgresql_concurrently=True, if_exists=True)
