from __future__ import annotations

from fastapi import APIRouter, Request

from KSysPayment.backend.infrastructure.bri.inboundResponses import TOKEN_SERVICE_CODE, snapErrorResponse
from KSysPayment.simulator.simulatorContext import JsonObject, SnapReply, applyFault, getContext
from shared.backend.exceptions.domainError import DomainError

router = APIRouter()


@router.post("/snap/v1.0/access-token/b2b")
async def accessToken(request: Request) -> JsonObject:
    context = getContext(request)
    await applyFault(context, request.url.path, TOKEN_SERVICE_CODE)
    try:
        issued = await context.authenticator.issueAccessToken(request.headers, await request.body())
    except DomainError as error:
        status, body = snapErrorResponse(TOKEN_SERVICE_CODE, error)
        raise SnapReply(status, dict(body)) from None
    context.state.tokensIssued += 1
    return dict(issued.responseBody())
