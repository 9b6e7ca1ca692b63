from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("'auth-login', 'auth-register', 'password-reset', 'auth', 'payment-create', 'payment', "
          "'payment-callback', 'admin-login', 'admin', 'default'")
AFTER = ("'auth-login', 'auth-register', 'password-reset', 'auth', 'auth-export', 'payment-create', 'payment', "
         "'payment-callback', 'admin-login', 'admin', 'default'")


# The data export (GET /api/auth/me/export) gets a route group of its own: one answer costs hundreds of times an
# ordinary auth request, so it is limited apart from the `auth` group. The table holds a rule or two per group: the
# check is replaced at once, under a lock waited for at most 5 s.
def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules", type_="check")
    op.create_check_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules",
                               f"route_group IN ({AFTER})")


# Its stored rules go with the group: the export then counts in `auth` again.
def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("DELETE FROM rate_limit_rules WHERE route_group = 'auth-export'")
    op.drop_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules", type_="check")
    op.create_check_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules",
                               f"route_group IN ({BEFORE})")
