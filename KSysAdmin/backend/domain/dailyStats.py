from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# KAuthApp's login audit entries (KAuthApp/backend/application/loginUser.py): outcome success for a
# login, failure for a refused one. Admin logins are written as admin.login and are not counted.
USER_LOGIN_ACTION = "auth.login"
MIN_DAYS = 1
MAX_DAYS = 366


# One UTC day of activity for the admin dashboard.
@dataclass(frozen=True)
class DailyStats:
    day: date
    signups: int
    logins: int
    failedLogins: int
    payments: int
    paidAmount: int
