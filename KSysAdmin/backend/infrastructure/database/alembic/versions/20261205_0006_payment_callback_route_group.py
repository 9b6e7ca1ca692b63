from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("'auth-login', 'auth-register', 'password-reset', 'auth', 'payment-create', 'payment', 'admin-login', "
          "'admin', 'default'")
AFTER = ("'auth-login', 'auth-register', 'password-reset', 'auth', 'payment-create', 'payment', "
         "'payment-callback', 'admin-login', 'admin', 'default'")


# BRI's calls to us (/api/payment/snap/*) get a route group of their own, so an admin can size them apart
# from users' payment requests.
def upgrade() -> None:
    op.drop_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules", type_="check")
    op.create_check_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules",
                               f"route_group IN ({AFTER})")


def downgrade() -> None:
    op.execute("DELETE FROM rate_limit_rules WHERE route_group = 'payment-callback'")
    op.drop_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules", type_="check")
    op.create_check_constraint(op.f("ck_rate_limit_rules_route_group"), "rate_limit_rules",
                               f"route_group IN ({BEFORE})")
