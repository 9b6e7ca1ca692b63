from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from KSysPayment.backend.infrastructure.bri.snapAmount import formatRupiah, snapMoney
from KSysPayment.backend.infrastructure.bri.snapSignature import JAKARTA, parseSnapTimestamp, snapTimestamp
from KSysPayment.simulator.notifier import fetchMerchantToken, sendNotification
from KSysPayment.simulator.simulatorContext import JsonObject, SimulatorContext, getContext
from KSysPayment.simulator.simulatorState import Fault, SimQris, SimVirtualAccount

router = APIRouter(prefix="/simulator")


class PayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    virtualAccountNo: str | None = None
    partnerReferenceNo: str | None = None
    referenceNo: str | None = None
    amount: int | None = Field(None, ge=0)
    duplicate: int = Field(1, ge=1, le=100)
    tamperSignature: bool = False
    tamperToken: bool = False
    delaySeconds: float = Field(0.0, ge=0, le=60)
    allowExpired: bool = False


class FaultRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    count: int = Field(1, ge=1, le=1000)
    status: int | None = Field(503, ge=400, le=599)
    delaySeconds: float = Field(0.0, ge=0, le=60)


def isExpired(context: SimulatorContext, expiredDate: str) -> bool:
    try:
        return parseSnapTimestamp(expiredDate) < context.now()
    except ValueError:
        return False


def vaNotification(va: SimVirtualAccount, amount: int, paymentRequestId: str, trxDateTime: str) -> JsonObject:
    return {
        "partnerServiceId": va.partnerServiceId,
        "customerNo": va.customerNo,
        "virtualAccountNo": va.virtualAccountNo,
        "paymentRequestId": paymentRequestId,
        "trxDateTime": trxDateTime,
        "additionalInfo": {"paymentAmount": formatRupiah(amount), "terminalId": "9", "bankId": "002"},
    }


def qrisNotification(qr: SimQris, amount: int) -> JsonObject:
    return {
        "originalReferenceNo": qr.referenceNo,
        "originalPartnerReferenceNo": qr.partnerReferenceNo,
        "latestTransactionStatus": "00",
        "transactionStatusDesc": "Success",
        "amount": snapMoney(amount),
        "customerNumber": f"9360{secrets.randbelow(10**12):012d}",
        "additionalInfo": {"terminalId": qr.terminalId, "merchantId": qr.merchantId, "paidTime": qr.paidAt},
    }


@router.post("/pay")
async def pay(payload: PayRequest, request: Request) -> JsonObject:
    context = getContext(request)
    state = context.state
    trxDateTime = snapTimestamp(context.now())
    if payload.virtualAccountNo is not None:
        va = state.findVirtualAccount(payload.virtualAccountNo)
        if va is None:
            raise HTTPException(404, "unknown virtualAccountNo")
        if isExpired(context, va.expiredDate) and not payload.allowExpired:
            raise HTTPException(409, "virtual account expired (pass allowExpired to pay anyway)")
        amount = payload.amount if payload.amount is not None else va.amount
        paymentRequestId = f"{secrets.randbelow(10**16):016d}"
        va.paidStatus, va.paidAmount, va.paymentRequestId, va.trxDateTime = "Y", amount, paymentRequestId, trxDateTime
        kind, notifyPath, useRsa = "va", context.settings.vaNotifyPath, False
        body = vaNotification(va, amount, paymentRequestId, trxDateTime)
        record: JsonObject = {"kind": kind, "virtualAccountNo": va.virtualAccountNo,
                              "paymentRequestId": paymentRequestId, "amount": amount}
    else:
        qr = (state.qris.get(payload.referenceNo) if payload.referenceNo
              else state.qrisByPartnerReference(payload.partnerReferenceNo or ""))
        if qr is None:
            raise HTTPException(404, "pass virtualAccountNo, partnerReferenceNo or referenceNo of a known QR")
        amount = payload.amount if payload.amount is not None else qr.amount
        qr.status, qr.paidAmount, qr.paidAt = "00", amount, trxDateTime
        kind, notifyPath = "qris", context.settings.qrisNotifyPath
        useRsa = context.settings.qrisNotifySignature == "rsa"
        body = qrisNotification(qr, amount)
        record = {"kind": kind, "referenceNo": qr.referenceNo, "partnerReferenceNo": qr.partnerReferenceNo,
                  "amount": amount}
    state.payments.append(record)
    if payload.delaySeconds:
        await asyncio.sleep(payload.delaySeconds)
    token = await fetchMerchantToken(context)
    tokenBody = token.get("body")
    accessToken = tokenBody.get("accessToken") if isinstance(tokenBody, dict) else None
    notifications: list[JsonObject] = []
    if isinstance(accessToken, str) and token.get("status") == 200:
        for _ in range(payload.duplicate):
            notifications.append(await sendNotification(
                context, notifyPath=notifyPath, body=body, accessToken=accessToken, useRsa=useRsa,
                tamperSignature=payload.tamperSignature, tamperToken=payload.tamperToken,
            ))
    record["notifications"] = notifications
    return {**record, "notification": body, "token": {"status": token.get("status")},
            "tokenError": None if accessToken else tokenBody}


@router.get("/payments")
async def payments(request: Request) -> JsonObject:
    context = getContext(request)
    return context.state.snapshot(context.now().astimezone(JAKARTA))


@router.post("/reset")
async def reset(request: Request) -> JsonObject:
    getContext(request).reset()
    return {"reset": True}


@router.post("/faults")
async def addFault(payload: FaultRequest, request: Request) -> JsonObject:
    # Test hook: the next `count` calls to `path` wait `delaySeconds`, then answer `status` (null: proceed).
    getContext(request).state.faults.append(Fault(payload.path, payload.count, payload.status, payload.delaySeconds))
    return {"faults": len(getContext(request).state.faults)}
