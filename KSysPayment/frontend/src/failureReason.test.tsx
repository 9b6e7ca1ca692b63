import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { PaymentDetailPage } from "./pages/PaymentDetail";

const renderAt = renderInApp("/payment/");

// A failed create stores failureReason as "<code>: <server message>", or an exception's class name.
const failed = (failureReason: string | null) => ({
  id: "p1", amount: 150000, method: "briva", status: "failed", description: null, virtualAccountNo: null, qrContent: null,
  expiresAt: null, createdAt: new Date().toISOString(), failureReason,
});

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

describe("a failed payment's reason", () => {
  it("is said in words for a known code, without the code or the server's text", async () => {
    fetchMock.mockResolvedValue(json(200, failed("gateway_rejected: BRI refused the request (4002401 Invalid Field Format partnerServiceId)")));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    const notice = await screen.findByText(/could not be created at the bank/);
    expect(notice).toHaveTextContent("The payment could not be created at the bank: the bank refused this payment request.");
    expect(notice).not.toHaveTextContent(/gateway_rejected|4002401/);
  });

  it("shows no exception name", async () => {
    fetchMock.mockResolvedValue(json(200, failed("ClientConnectorError")));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    const notice = await screen.findByText(/could not be created at the bank/);
    expect(notice).toHaveTextContent(/^The payment could not be created at the bank\.$/);
  });
});
