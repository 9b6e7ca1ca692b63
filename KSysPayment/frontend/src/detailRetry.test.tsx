import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// A payment page whose load failed keeps its heading; a failure that may pass (503, 429, no answer) offers Try again,
// a 404 does not.
const renderAt = renderInApp("/payment/");
const fetchMock = stubFetch();
const paid = { id: "p1", amount: 150000, method: "briva", status: "paid", description: "Order 1", virtualAccountNo: "7777700012345678",
  qrContent: null, expiresAt: null, createdAt: new Date().toISOString() };

beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

describe("PaymentDetailPage after a failed load", () => {
  it("offers Try again after a 503, which loads the payment", async () => {
    fetchMock
      .mockResolvedValueOnce(json(503, envelope("service_unavailable"), { "Retry-After": "5" }))
      .mockResolvedValueOnce(json(200, paid));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("The service is temporarily unavailable.");
    expect(screen.getByRole("heading", { level: 1, name: "Payment" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Order 1")).toBeInTheDocument();
  });

  it("says a missing payment is missing, with nothing to retry", async () => {
    fetchMock.mockResolvedValueOnce(json(404, envelope("not_found")));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("This payment does not exist or is not yours.");
    expect(screen.getByRole("heading", { level: 1, name: "Payment" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
  });
});
