from __future__ import annotations

from KSysPayment.tests.support.briSender import VA_NOTIFY
from KSysPayment.tests.support.paymentQueries import storedPayment
from tests.faults import test_notificationCrash as crashTests
from tests.faults.settlementCrash import CrashStack

AMOUNT = 17000
crashStack, crash = crashTests.crashStack, crashTests.crash  # the fixtures


# BRI notifies while PostgreSQL is down: it gets SNAP's General Error (HTTP 500), which makes it retry; nothing is
# written. Once PostgreSQL is back the retry settles the payment once, and a second retry is only acknowledged.
async def test_aNotificationDuringADatabaseOutageSettlesOnceOnRetry(crash: CrashStack) -> None:
    payment = await crash.createBriva(AMOUNT)
    paymentId = str(payment["id"])
    crash.stack.postgres.stop()
    try:
        paid = await crash.simulatorPays(str(payment["virtualAccountNo"]))
    finally:
        crash.stack.postgres.start()
    notifications = paid["notifications"]
    assert isinstance(notifications, list) and len(notifications) == 1, paid
    assert notifications[0]["status"] == 500, notifications
    assert str(notifications[0]["body"]["responseCode"]).startswith("500"), notifications
    assert (await storedPayment(crash.database, paymentId))["status"] == "pending"
    for _ in range(2):
        await crashTests.briRetries(crash, paid["notification"])
        await crashTests.assertPaidOnce(crash, paymentId, "va_notify")


# A notification with a wrong signature while PostgreSQL is down is still refused in SNAP's format (its audit row
# cannot be written and is logged as lost), not in the platform's error envelope BRI does not read.
async def test_aForgedNotificationDuringADatabaseOutageIsRefusedInSnapFormat(crash: CrashStack) -> None:
    payment = await crash.createBriva(AMOUNT)
    crash.stack.postgres.stop()
    try:
        paid = await crash.simulatorPays(str(payment["virtualAccountNo"]))
        forged = await crash.bri().notify(VA_NOTIFY, paid["notification"], secret="not-the-client-secret")
    finally:
        crash.stack.postgres.start()
    body = forged.json()
    assert "error" not in body, body
    assert forged.status_code == 401 and body["responseCode"] == "4013400", (forged.status_code, body)
