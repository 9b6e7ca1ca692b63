from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from KSysPayment.backend.domain.exceptions.gatewayErrors import GatewayBadResponseError
from KSysPayment.backend.domain.gatewayTypes import (
    GatewayPaymentState,
    QrisCode,
    QrisPaymentStatus,
    VirtualAccount,
    VirtualAccountPaymentStatus,
)
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient
from KSysPayment.backend.infrastructure.bri.keys import BriConfigurationError, loadPrivateKey
from KSysPayment.backend.infrastructure.bri.responseCodes import RetryPolicy
from KSysPayment.backend.infrastructure.bri.snapAmount import parseRupiah, snapMoney
from KSysPayment.backend.infrastructure.bri.snapSignature import JAKARTA, parseSnapTimestamp
from KSysPayment.backend.infrastructure.bri.snapTransport import JsonObject, SnapTransport, newExternalId, utcNow
from KSysPayment.backend.infrastructure.bri.storableText import MAX_IDENTIFIER_CHARS, unstorable
from KSysPayment.backend.infrastructure.bri.tokenCache import B2bTokenFetcher, TokenCache
from shared.backend.config.settings import BriSettings

VA_PATH = "/snap/v1.0/transfer-va"
CUSTOMER_NO_PATTERN = re.compile(r"^\d{1,13}$")
# SNAP latestTransactionStatus values.
QRIS_STATES = {
    "00": GatewayPaymentState.PAID,
    "01": GatewayPaymentState.PENDING,
    "02": GatewayPaymentState.PENDING,
    "03": GatewayPaymentState.PENDING,
    "04": GatewayPaymentState.CANCELLED,
    "05": GatewayPaymentState.CANCELLED,
    "06": GatewayPaymentState.FAILED,
    "07": GatewayPaymentState.NOT_FOUND,
}


QR_CONTENT_MAX = 1024


# A text of BRI's answer that we would store: one PostgreSQL refuses, or an over-long identifier, makes the answer
# a bad one.
def textOf(data: JsonObject, key: str, maxLength: int | None = MAX_IDENTIFIER_CHARS) -> str | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    if (maxLength is not None and len(value) > maxLength) or unstorable(value) is not None:
        raise GatewayBadResponseError(f"BRI sent an unusable {key}")
    return value


def objectOf(data: JsonObject, key: str) -> JsonObject:
    value = data.get(key)
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def amountOf(data: JsonObject, key: str) -> int | None:
    money = objectOf(data, key)
    if "value" not in money:
        return None
    try:
        return parseRupiah(money["value"])
    except ValueError as error:
        raise GatewayBadResponseError(f"BRI sent an unreadable {key}") from error


def currencyOf(data: JsonObject, key: str) -> str | None:
    currency = objectOf(data, key).get("currency")
    if currency is None:
        return None
    if not isinstance(currency, str):
        raise GatewayBadResponseError(f"BRI sent an unreadable {key}.currency")
    return currency


def dateOf(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parseSnapTimestamp(value)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    # Without an offset BRI means Jakarta's time (BRI.md), never the host's.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=JAKARTA)


class BriSnapClient:
    def __init__(
        self,
        settings: BriSettings,
        *,
        privateKey: RSAPrivateKey,
        httpClient: BriHttpClient | None = None,
        retryPolicy: RetryPolicy | None = None,
        refreshMarginSeconds: float = 100.0,
        externalIdFactory: Callable[[], str] = newExternalId,
        now: Callable[[], datetime] = utcNow,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        secret = settings.clientSecret.get_secret_value()
        if not settings.clientId or not secret or not settings.partnerId:
            raise BriConfigurationError("BRI_CLIENT_ID, BRI_CLIENT_SECRET and BRI_PARTNER_ID are required")
        self.settings = settings
        self.ownsHttpClient = httpClient is None
        self.httpClient = httpClient or BriHttpClient(timeoutSeconds=settings.timeoutSeconds)
        policy = retryPolicy or RetryPolicy()
        fetcher = B2bTokenFetcher(httpClient=self.httpClient, baseUrl=settings.baseUrl, clientId=settings.clientId,
                                  privateKey=privateKey, retryPolicy=policy, now=now, clock=clock)
        self.tokenCache = TokenCache(fetcher, refreshMarginSeconds=refreshMarginSeconds, clock=clock)
        self.transport = SnapTransport(
            httpClient=self.httpClient, baseUrl=settings.baseUrl, tokenCache=self.tokenCache,
            clientSecret=secret, partnerId=settings.partnerId, channelId=settings.channelId,
            encoding=settings.signatureEncoding, retryPolicy=policy, externalIdFactory=externalIdFactory, now=now,
        )
        # 5-digit BRIVA number left-padded with spaces to 8 characters; never strip.
        self.partnerServiceId = settings.brivaNo.rjust(8, " ")

    @classmethod
    def fromSettings(cls, settings: BriSettings, **options: object) -> BriSnapClient:
        return cls(settings, privateKey=loadPrivateKey(settings.privateKeyPath), **options)  # type: ignore[arg-type]

    async def aclose(self) -> None:
        if self.ownsHttpClient:
            await self.httpClient.aclose()

    def virtualAccountNoFor(self, customerNo: str) -> str:
        if not CUSTOMER_NO_PATTERN.fullmatch(customerNo):
            raise ValueError("customerNo must be 1 to 13 digits")
        return self.partnerServiceId + customerNo

    def vaKeys(self, customerNo: str) -> JsonObject:
        return {
            "partnerServiceId": self.partnerServiceId,
            "customerNo": customerNo,
            "virtualAccountNo": self.virtualAccountNoFor(customerNo),
        }

    def parseVirtualAccount(self, data: JsonObject, requested: JsonObject) -> VirtualAccount:
        vad = objectOf(data, "virtualAccountData")
        merged: JsonObject = {**requested, **vad}
        amount = amountOf(merged, "totalAmount")
        return VirtualAccount(
            virtualAccountNo=textOf(merged, "virtualAccountNo") or str(requested["virtualAccountNo"]),
            partnerServiceId=textOf(merged, "partnerServiceId") or self.partnerServiceId,
            customerNo=textOf(merged, "customerNo") or str(requested["customerNo"]),
            name=textOf(merged, "virtualAccountName") or "",
            amount=amount if amount is not None else 0,
            trxId=textOf(merged, "trxId") or "",
            expiresAt=dateOf(textOf(merged, "expiredDate")),
            paid=textOf(vad, "paidStatus") == "Y",
        )

    async def createVirtualAccount(
        self, *, customerNo: str, name: str, amount: int, expiresAt: datetime, trxId: str, description: str
    ) -> VirtualAccount:
        body: JsonObject = {
            **self.vaKeys(customerNo),
            "virtualAccountName": name,
            "totalAmount": snapMoney(amount),
            "expiredDate": expiresAt.astimezone(JAKARTA).isoformat(timespec="seconds"),
            "trxId": trxId,
            "additionalInfo": {"description": description},
        }
        data = await self.transport.call("POST", f"{VA_PATH}/create-va", body, idempotent=False)
        try:
            return self.parseVirtualAccount(data, body)
        except GatewayBadResponseError as error:
            error.outcomeUnknown = True  # BRI answered success: the VA exists
            raise

    async def inquiryVirtualAccount(self, *, customerNo: str, trxId: str) -> VirtualAccount:
        body: JsonObject = {**self.vaKeys(customerNo), "trxId": trxId}
        data = await self.transport.call("POST", f"{VA_PATH}/inquiry-va", body, idempotent=True)
        return self.parseVirtualAccount(data, body)

    async def virtualAccountStatus(self, *, customerNo: str, inquiryRequestId: str) -> VirtualAccountPaymentStatus:
        body: JsonObject = {**self.vaKeys(customerNo), "inquiryRequestId": inquiryRequestId}
        data = await self.transport.call("POST", f"{VA_PATH}/status", body, idempotent=True)
        vad = objectOf(data, "virtualAccountData")
        flag = textOf(vad, "paymentFlagStatus")
        paidStatus = textOf(vad, "paidStatus")
        if flag is None and paidStatus is None:
            # No word on the payment is not "unpaid": read as such, an overdue payment would expire unflagged.
            raise GatewayBadResponseError("BRI VA status answered without paymentFlagStatus or paidStatus")
        paid = flag == "00" or paidStatus == "Y"
        reason = objectOf(vad, "paymentFlagReason")
        return VirtualAccountPaymentStatus(
            virtualAccountNo=textOf(vad, "virtualAccountNo") or str(body["virtualAccountNo"]),
            state=GatewayPaymentState.PAID if paid else GatewayPaymentState.PENDING,
            paidAmount=amountOf(vad, "paidAmount"),
            currency=currencyOf(vad, "paidAmount"),
            paymentRequestId=textOf(vad, "paymentRequestId") or None,
            statusCode=flag,
            description=textOf(reason, "english", None) or textOf(data, "responseMessage", None),
        )

    async def deleteVirtualAccount(self, *, customerNo: str, trxId: str) -> None:
        # Not retried: the service reconciles with inquiry if the outcome is unknown.
        body: JsonObject = {**self.vaKeys(customerNo), "trxId": trxId}
        await self.transport.call("DELETE", f"{VA_PATH}/delete-va", body, idempotent=False)

    async def generateQris(self, *, partnerReferenceNo: str, amount: int) -> QrisCode:
        body: JsonObject = {
            "partnerReferenceNo": partnerReferenceNo,
            "amount": snapMoney(amount),
            "merchantId": self.settings.merchantId,
            "terminalId": self.settings.terminalId,
        }
        data = await self.transport.call("POST", self.settings.qrisGeneratePath, body, idempotent=False)
        qrContent = textOf(data, "qrContent", QR_CONTENT_MAX)
        referenceNo = textOf(data, "referenceNo") or textOf(objectOf(data, "additionalInfo"), "referenceNo")
        if not qrContent or not referenceNo:
            raise GatewayBadResponseError("BRI QRIS generate answered without qrContent or referenceNo")
        return QrisCode(partnerReferenceNo=textOf(data, "partnerReferenceNo") or partnerReferenceNo,
                        referenceNo=referenceNo, qrContent=qrContent)

    async def queryQris(self, *, referenceNo: str) -> QrisPaymentStatus:
        body: JsonObject = {
            "originalReferenceNo": referenceNo,
            "serviceCode": "17",
            "additionalInfo": {"terminalId": self.settings.terminalId},
        }
        data = await self.transport.call("POST", self.settings.qrisQueryPath, body, idempotent=True)
        status = textOf(data, "latestTransactionStatus")
        if status is None:
            raise GatewayBadResponseError("BRI QRIS query answered without latestTransactionStatus")
        return QrisPaymentStatus(
            referenceNo=textOf(data, "originalReferenceNo") or referenceNo,
            partnerReferenceNo=textOf(data, "originalPartnerReferenceNo"),
            state=QRIS_STATES.get(status, GatewayPaymentState.PENDING),
            statusCode=status,
            description=textOf(data, "transactionStatusDesc", None),
            amount=amountOf(data, "amount"),
            currency=currencyOf(data, "amount"),
        )
