from __future__ import annotations

import json

from KSysPayment.backend.domain.exceptions.paymentErrors import SimulatorUnavailableError
from KSysPayment.backend.infrastructure.bri.briHttpClient import BriHttpClient, HttpCallError


# Development only: POST {BRI_BASE_URL}/simulator/pay, which pays and notifies us before answering.
class HttpSimulatorClient:
    def __init__(self, baseUrl: str, httpClient: BriHttpClient) -> None:
        self.baseUrl = baseUrl.rstrip("/")
        self.httpClient = httpClient

    async def pay(
        self, *, virtualAccountNo: str | None, partnerReferenceNo: str | None, amount: int
    ) -> dict[str, object]:
        body: dict[str, object] = {"amount": amount}
        if virtualAccountNo is not None:
            body["virtualAccountNo"] = virtualAccountNo
        else:
            body["partnerReferenceNo"] = partnerReferenceNo
        try:
            answer = await self.httpClient.request("POST", f"{self.baseUrl}/simulator/pay", json.dumps(body).encode(),
                                                   {"Content-Type": "application/json"})
        except HttpCallError as error:
            raise SimulatorUnavailableError(f"The BRI simulator is unreachable: {error}") from error
        if answer.status != 200:
            raise SimulatorUnavailableError(f"The BRI simulator answered HTTP {answer.status}",
                                            details=[{"simulator": answer.body[:300].decode(errors="replace")}])
        data = answer.jsonObject()
        if data is None:
            raise SimulatorUnavailableError("The BRI simulator answered without a JSON object")
        return data
