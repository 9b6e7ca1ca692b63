from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The lockout counts failed logins in a sliding window: the times of the failures still inside it replace
# the fixed window's count and start (which let up to twice the threshold, less two, through across a
# window's end). A failure counted in an open window keeps counting, stamped at that window's start. The old
# columns are dropped in this same revision, so a server started before it still names them: every ORM read
# of a users row (select(User): every admin request, register, verification, password and MFA changes) and the
# login's statement fail with 42703, answered 500, until that server restarts. Run it with both servers
# stopped, or restart both at once right after.
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("users", sa.Column("failed_login_times", postgresql.ARRAY(sa.DateTime(timezone=True)),
                                     server_default=sa.text("'{}'"), nullable=False))
    op.execute("UPDATE users SET failed_login_times = array_fill(failed_login_window_started_at, "
               "ARRAY[LEAST(failed_login_count, 100)]) "
               "WHERE failed_login_count > 0 AND failed_login_window_started_at IS NOT NULL")
    op.create_check_constraint(op.f("ck_users_failed_login_times_bounded"), "users",
                               "cardinality(failed_login_times) <= 100")
    op.drop_constraint(op.f("ck_users_failed_login_count_non_negative"), "users", type_="check")
    op.drop_column("users", "failed_login_window_started_at")
    op.drop_column("users", "failed_login_count")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("users", sa.Column("failed_login_count", sa.Integer(), server_default=sa.text("0"),
                                     nullable=False))
    op.add_column("users", sa.Column("failed_login_window_started_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET failed_login_count = cardinality(failed_login_times), "
               "failed_login_window_started_at = failed_login_times[1] WHERE cardinality(failed_login_times) > 0")
    op.create_check_constraint(op.f("ck_users_failed_login_count_non_negative"), "users", "failed_login_count >= 0")
    op.drop_constraint(op.f("ck_users_failed_login_times_bounded"), "users", type_="check")
    op.drop_column("users", "failed_login_times")
