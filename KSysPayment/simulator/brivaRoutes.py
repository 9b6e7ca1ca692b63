from __future__ import annotations

from fastapi import APIRouter, Request

from KSysPayment.backend.infrastructure.bri.snapAmount import snapMoney
from KSysPayment.simulator.fieldChecks import requireDateTime, requireMoney, requireText, requireVaKeys
from KSysPayment.simulator.simulatorContext import JsonObject, getContext, guardedBody, snapError
from KSysPayment.simulator.simulatorState import SimVirtualAccount

VA = "/snap/v1.0/transfer-va"
router = APIRouter()


def success(serviceCode: str, virtualAccountData: JsonObject) -> JsonObject:
    return {"responseCode": f"200{serviceCode}00", "responseMessage": "Successful",
            "virtualAccountData": virtualAccountData}


def vaData(va: SimVirtualAccount) -> JsonObject:
    return {
        "partnerServiceId": va.partnerServiceId,
        "customerNo": va.customerNo,
        "virtualAccountNo": va.virtualAccountNo,
        "virtualAccountName": va.name,
        "trxId": va.trxId,
        "totalAmount": snapMoney(va.amount),
        "expiredDate": va.expiredDate,
        "paidStatus": va.paidStatus,
        "additionalInfo": va.additionalInfo,
    }


def findVa(request: Request, virtualAccountNo: str, serviceCode: str) -> SimVirtualAccount:
    va = getContext(request).state.virtualAccounts.get(virtualAccountNo)
    if va is None:
        raise snapError(404, serviceCode, "12", "Invalid Bill/Virtual Account [Not Found]")
    return va


def readVaFields(body: JsonObject, serviceCode: str) -> SimVirtualAccount:
    partnerServiceId, customerNo, virtualAccountNo = requireVaKeys(body, serviceCode)
    additionalInfo = body.get("additionalInfo", {})
    if not isinstance(additionalInfo, dict):
        raise snapError(400, serviceCode, "01", "Invalid Field Format [additionalInfo]")
    expiredDate = requireText(body, "expiredDate", serviceCode)
    requireDateTime(body, "expiredDate", serviceCode)
    return SimVirtualAccount(
        partnerServiceId=partnerServiceId,
        customerNo=customerNo,
        virtualAccountNo=virtualAccountNo,
        name=requireText(body, "virtualAccountName", serviceCode),
        amount=requireMoney(body, "totalAmount", serviceCode),
        expiredDate=expiredDate,
        trxId=requireText(body, "trxId", serviceCode),
        additionalInfo={str(k): v for k, v in additionalInfo.items()},
    )


@router.post(f"{VA}/create-va")
async def createVa(request: Request) -> JsonObject:
    body = await guardedBody(request, "27")
    va = readVaFields(body, "27")
    state = getContext(request).state
    if va.virtualAccountNo in state.virtualAccounts:
        raise snapError(409, "27", "01", "Conflict [virtualAccountNo already exists]")
    state.virtualAccounts[va.virtualAccountNo] = va
    return success("27", vaData(va))


@router.put(f"{VA}/update-va")
async def updateVa(request: Request) -> JsonObject:
    body = await guardedBody(request, "28")
    updated = readVaFields(body, "28")
    current = findVa(request, updated.virtualAccountNo, "28")
    if current.paidStatus == "Y":
        raise snapError(409, "28", "01", "Conflict [virtual account already paid]")
    getContext(request).state.virtualAccounts[updated.virtualAccountNo] = updated
    return success("28", vaData(updated))


@router.put(f"{VA}/update-status")
async def updateStatus(request: Request) -> JsonObject:
    body = await guardedBody(request, "29")
    _, _, virtualAccountNo = requireVaKeys(body, "29")
    va = findVa(request, virtualAccountNo, "29")
    paidStatus = requireText(body, "paidStatus", "29")
    if paidStatus not in ("Y", "N"):
        raise snapError(400, "29", "01", "Invalid Field Format [paidStatus]")
    va.paidStatus = paidStatus
    return success("29", {**vaData(va), "trxId": requireText(body, "trxId", "29")})


@router.post(f"{VA}/inquiry-va")
async def inquiryVa(request: Request) -> JsonObject:
    body = await guardedBody(request, "30")
    _, _, virtualAccountNo = requireVaKeys(body, "30")
    va = findVa(request, virtualAccountNo, "30")
    if requireText(body, "trxId", "30") != va.trxId:
        raise snapError(404, "30", "12", "Invalid Bill/Virtual Account [trxId]")
    return success("30", vaData(va))


@router.delete(f"{VA}/delete-va")
async def deleteVa(request: Request) -> JsonObject:
    body = await guardedBody(request, "31")
    partnerServiceId, customerNo, virtualAccountNo = requireVaKeys(body, "31")
    va = findVa(request, virtualAccountNo, "31")
    if requireText(body, "trxId", "31") != va.trxId:
        raise snapError(404, "31", "12", "Invalid Bill/Virtual Account [trxId]")
    if va.paidStatus == "Y":
        raise snapError(409, "31", "01", "Conflict [virtual account already paid]")
    del getContext(request).state.virtualAccounts[virtualAccountNo]
    return success("31", {"partnerServiceId": partnerServiceId, "customerNo": customerNo,
                          "virtualAccountNo": virtualAccountNo, "trxId": va.trxId})


@router.post(f"{VA}/status")
async def paymentStatus(request: Request) -> JsonObject:
    body = await guardedBody(request, "26")
    _, _, virtualAccountNo = requireVaKeys(body, "26")
    inquiryRequestId = requireText(body, "inquiryRequestId", "26")
    va = findVa(request, virtualAccountNo, "26")
    paid = va.paidStatus == "Y"
    # Simulator assumption: "00" paid, "03" pending (BRI.md does not document the unpaid value).
    return success("26", {
        "paymentFlagReason": {"english": "Success" if paid else "Pending",
                              "indonesia": "Sukses" if paid else "Menunggu"},
        "partnerServiceId": va.partnerServiceId,
        "customerNo": va.customerNo,
        "virtualAccountNo": va.virtualAccountNo,
        "inquiryRequestId": inquiryRequestId,
        "paymentRequestId": va.paymentRequestId or "",
        "paidAmount": snapMoney(va.paidAmount or 0),
        "totalAmount": snapMoney(va.amount),
        "trxDateTime": va.trxDateTime or "",
        "paymentFlagStatus": "00" if paid else "03",
    })
