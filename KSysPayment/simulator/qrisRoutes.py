from __future__ import annotations

import secrets

from fastapi import APIRouter, Request

from KSysPayment.backend.infrastructure.bri.snapAmount import snapMoney
from KSysPayment.simulator.fieldChecks import requireMoney, requireObject, requireText
from KSysPayment.simulator.qrContent import emvQrContent
from KSysPayment.simulator.simulatorContext import JsonObject, getContext, guardedBody, snapError
from KSysPayment.simulator.simulatorState import SimQris

# Both path families seen in BRI clients (BRI.md: uncertain).
GENERATE_PATHS = ("/v1.0/qr-dynamic-mpm/qr-mpm-generate-qr", "/snap/v1.1/qr/qr-mpm-generate")
QUERY_PATHS = ("/v1.0/qr-dynamic-mpm/qr-mpm-query", "/snap/v1.1/qr/qr-mpm-query")
STATUS_TEXT = {"00": "Success", "03": "Pending", "05": "Cancelled", "06": "Failed"}
router = APIRouter()


async def generateQr(request: Request) -> JsonObject:
    body = await guardedBody(request, "47")
    partnerReferenceNo = requireText(body, "partnerReferenceNo", "47")
    amount = requireMoney(body, "amount", "47")
    merchantId = requireText(body, "merchantId", "47")
    terminalId = requireText(body, "terminalId", "47")
    state = getContext(request).state
    if state.qrisByPartnerReference(partnerReferenceNo) is not None:
        raise snapError(409, "47", "01", "Duplicate partnerReferenceNo")
    referenceNo = f"{secrets.randbelow(10**12):012d}"
    qr = SimQris(
        referenceNo=referenceNo, partnerReferenceNo=partnerReferenceNo, amount=amount, merchantId=merchantId,
        terminalId=terminalId,
        qrContent=emvQrContent(merchantId=merchantId, terminalId=terminalId, amount=amount, referenceNo=referenceNo),
    )
    state.qris[referenceNo] = qr
    return {"responseCode": "2004700", "responseMessage": "Successful", "referenceNo": referenceNo,
            "partnerReferenceNo": partnerReferenceNo, "qrContent": qr.qrContent,
            "additionalInfo": {"referenceNo": referenceNo}}


async def queryQr(request: Request) -> JsonObject:
    body = await guardedBody(request, "51")
    referenceNo = requireText(body, "originalReferenceNo", "51")
    if requireText(body, "serviceCode", "51") != "17":
        raise snapError(400, "51", "01", "Invalid Field Format [serviceCode]")
    additionalInfo = requireObject(body, "additionalInfo", "51")
    qr = getContext(request).state.qris.get(referenceNo)
    if qr is None:
        raise snapError(404, "51", "01", "Transaction Not Found")
    return {
        "responseCode": "2005100",
        "responseMessage": "Successful",
        "originalReferenceNo": qr.referenceNo,
        "originalPartnerReferenceNo": qr.partnerReferenceNo,
        "serviceCode": "17",
        "latestTransactionStatus": qr.status,
        "transactionStatusDesc": STATUS_TEXT.get(qr.status, "Pending"),
        "amount": snapMoney(qr.paidAmount if qr.paidAmount is not None else qr.amount),
        "additionalInfo": {"terminalId": additionalInfo.get("terminalId", qr.terminalId),
                           "merchantId": qr.merchantId, "paidTime": qr.paidAt or ""},
    }


for generatePath in GENERATE_PATHS:
    router.add_api_route(generatePath, generateQr, methods=["POST"])
for queryPath in QUERY_PATHS:
    router.add_api_route(queryPath, queryQr, methods=["POST"])
