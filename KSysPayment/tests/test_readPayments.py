from __future__ import annotations

import base64
import json

import pytest

from KSysPayment.tests.support.paymentStack import PREFIX, Payer, PaymentStack


async def test_otherUsersPaymentIs404(paymentStack: PaymentStack, payer: Payer, otherPayer: Payer) -> None:
    paymentId = (await paymentStack.create(payer)).json()["id"]
    assert (await paymentStack.get(payer, paymentId)).status_code == 200
    response = await paymentStack.get(otherPayer, paymentId)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "payment_not_found"
    cancel = await paymentStack.http.post(f"{paymentStack.appUrl}{PREFIX}/payments/{paymentId}/cancel",
                                          headers=otherPayer.headers)
    assert cancel.status_code == 404
    listed = await paymentStack.http.get(f"{paymentStack.appUrl}{PREFIX}/payments", headers=otherPayer.headers)
    assert listed.json()["items"] == []


async def test_malformedIdIs422(paymentStack: PaymentStack, payer: Payer) -> None:
    response = await paymentStack.get(payer, "not-a-uuid")
    assert response.status_code == 422
    missing = await paymentStack.get(payer, "01a207db-cfea-7139-9e0d-4164dc16234d")
    assert missing.status_code == 404


async def test_keysetPaginationAndFilters(paymentStack: PaymentStack, payer: Payer) -> None:
    created = []
    for index in range(5):
        method = "qris" if index % 2 else "briva"
        created.append((await paymentStack.create(payer, amount=10000 + index, method=method)).json()["id"])
    url = f"{paymentStack.appUrl}{PREFIX}/payments"
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await paymentStack.http.get(url, params=params, headers=payer.headers)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    qris = (await paymentStack.http.get(url, params={"method": "qris"}, headers=payer.headers)).json()
    assert [item["id"] for item in qris["items"]] == [created[3], created[1]]
    paid = (await paymentStack.http.get(url, params={"status": "paid"}, headers=payer.headers)).json()
    assert paid["items"] == []
    badCursor = await paymentStack.http.get(url, params={"cursor": "garbage"}, headers=payer.headers)
    assert badCursor.status_code == 422
    assert badCursor.json()["error"]["code"] == "invalid_cursor"
    badStatus = await paymentStack.http.get(url, params={"status": "weird"}, headers=payer.headers)
    assert badStatus.status_code == 422


CRAFTED_CURSORS = (
    {"c": "2026-01-01T00:00:00+00:00", "i": 123},
    {"c": "2026-01-01T00:00:00+00:00", "i": None},
    {"c": "2026-01-01T00:00:00+00:00", "i": ["01a207db-cfea-7139-9e0d-4164dc16234d"]},
    {"c": "2026-01-01T00:00:00+00:00", "i": {"hex": "01a207dbcfea71399e0d4164dc16234d"}},
    {"c": 1767225600, "i": "01a207db-cfea-7139-9e0d-4164dc16234d"},
    {"c": ["2026-01-01T00:00:00+00:00"], "i": "01a207db-cfea-7139-9e0d-4164dc16234d"},
    {"c": "0001-01-01T00:00:00+05:00", "i": "01a207db-cfea-7139-9e0d-4164dc16234d"},
    {"c": "9999-12-31T23:59:59-05:00", "i": "01a207db-cfea-7139-9e0d-4164dc16234d"},
    ["2026-01-01T00:00:00+00:00", "01a207db-cfea-7139-9e0d-4164dc16234d"],
    "2026-01-01T00:00:00+00:00",
    123,
    None,
)


@pytest.mark.parametrize("payload", CRAFTED_CURSORS)
async def test_craftedCursorIs422(paymentStack: PaymentStack, payer: Payer, payload: object) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    response = await paymentStack.http.get(f"{paymentStack.appUrl}{PREFIX}/payments", params={"cursor": cursor},
                                           headers=payer.headers)
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_cursor")
