from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx2

from KSysPayment.backend.infrastructure.bri.keys import loadPrivateKey
from KSysPayment.backend.infrastructure.bri.snapSignature import (
    hmacSignature,
    minifiedJson,
    rsaTokenSignature,
    snapTimestamp,
    stringToSign,
)
from KSysPayment.tests.support.paymentStack import CLIENT_SECRET, INBOUND_CLIENT_ID, PREFIX

VA_NOTIFY = "/snap/v1.0/transfer-va/notify-payment-intrabank"
QRIS_NOTIFY = "/snap/v1.1/qr/qr-mpm-notify"


# Plays BRI by hand: token request then signed notifications with any body.
class BriSender:
    def __init__(self, http: httpx2.AsyncClient, appUrl: str, keyDir: Path) -> None:
        self.http = http
        self.appUrl = appUrl
        self.briKey = loadPrivateKey(keyDir / "bri_private.pem")
        self.counter = 0

    # signature: sent instead of BRI's (a forged token request); body: sent instead of the usual one.
    async def token(self, clientId: str = INBOUND_CLIENT_ID, signature: str | None = None,
                    body: bytes | None = None) -> httpx2.Response:
        timestamp = snapTimestamp(datetime.now(UTC))
        headers = {"X-CLIENT-KEY": clientId, "X-TIMESTAMP": timestamp,
                   "X-SIGNATURE": signature or rsaTokenSignature(self.briKey, clientId, timestamp),
                   "Content-Type": "application/json"}
        return await self.http.post(f"{self.appUrl}{PREFIX}/snap/v1.0/access-token/b2b",
                                    content=body or minifiedJson({"grantType": "client_credentials"}),
                                    headers=headers)

    async def accessToken(self) -> str:
        response = await self.token()
        assert response.status_code == 200, response.text
        token: str = response.json()["accessToken"]
        return token

    async def notify(self, path: str, body: dict[str, object], *, token: str | None = None,
                     secret: str = CLIENT_SECRET, encoding: str = "hex",
                     rsaClientId: str | None = None, raw: bytes | None = None) -> httpx2.Response:
        # rsaClientId: sign as RSA over clientId|timestamp (the QRIS form) instead of the HMAC; raw: the bytes
        # signed and sent instead of body's (what minifiedJson cannot write).
        accessToken = token or await self.accessToken()
        raw = raw if raw is not None else minifiedJson(body)
        timestamp = snapTimestamp(datetime.now(UTC))
        message = stringToSign("POST", PREFIX + path, accessToken, raw, timestamp)
        signature = (rsaTokenSignature(self.briKey, rsaClientId, timestamp) if rsaClientId
                     else hmacSignature(secret, message, "base64" if encoding == "base64" else "hex"))
        self.counter += 1
        headers = {
            "Authorization": f"Bearer {accessToken}", "X-TIMESTAMP": timestamp, "X-SIGNATURE": signature,
            "Content-Type": "application/json", "X-PARTNER-ID": "77777", "CHANNEL-ID": "95221",
            "X-EXTERNAL-ID": f"{int(datetime.now(UTC).timestamp() * 1000)}{self.counter:06d}",
        }
        return await self.http.post(f"{self.appUrl}{PREFIX}{path}", content=raw, headers=headers)


def vaBody(virtualAccountNo: str, amount: int, paymentRequestId: str) -> dict[str, object]:
    return {
        "partnerServiceId": virtualAccountNo[:8], "customerNo": virtualAccountNo[8:],
        "virtualAccountNo": virtualAccountNo, "paymentRequestId": paymentRequestId,
        "trxDateTime": "2026-11-23T10:00:00+07:00",
        "additionalInfo": {"paymentAmount": f"{amount}.00", "terminalId": "9", "bankId": "002"},
    }


def qrisBody(referenceNo: str, partnerReferenceNo: str, amount: int, status: str = "00") -> dict[str, object]:
    return {
        "originalReferenceNo": referenceNo, "originalPartnerReferenceNo": partnerReferenceNo,
        "latestTransactionStatus": status, "transactionStatusDesc": "Success" if status == "00" else "Pending",
        "amount": {"value": f"{amount}.00", "currency": "IDR"}, "customerNumber": "9360000000000001",
        "additionalInfo": {"terminalId": "A01"},
    }
