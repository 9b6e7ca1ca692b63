from __future__ import annotations

import httpx2

from KSysPayment.backend.domain.exceptions.paymentErrors import SimulatorUnavailableError


# Development only: POST {BRI_BASE_URL}/simulator/pay, which pays and notifies us before answering.
class HttpSimulatorClient:
    def __init__(self, baseUrl: str, httpClient: httpx2.AsyncClient) -> None:
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
            response = await self.httpClient.post(f"{self.baseUrl}/simulator/pay", json=body, timeout=15.0)
        except httpx2.HTTPError as error:
            raise SimulatorUnavailableError(f"The BRI simulator is unreachable: {type(error).__name__}") from error
        if response.status_code != 200:
            raise SimulatorUnavailableError(f"The BRI simulator answered HTTP {response.status_code}",
                                            details=[{"simulator": response.text[:300]}])
        data: dict[str, object] = response.json()
        return data
