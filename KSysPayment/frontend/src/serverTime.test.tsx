import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// The countdown runs on the server's clock (the Date header of its answers), not the browser's.
const renderAt = renderInApp("/payment/");
const MINUTE = 60_000;
const qris = { id: "p1", amount: 150000, method: "qris", status: "pending", description: null, virtualAccountNo: null,
  qrContent: "00020101021226610016ID.CO.BRI.WWW", createdAt: new Date().toISOString() };
const briva = { ...qris, method: "briva", virtualAccountNo: "7777700012345678", qrContent: null };

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

// Every answer's Date header is the server's time: the browser clock plus `serverAhead` ms (none: no header).
function answerWith(payment: object, serverAhead: number | null) {
  fetchMock.mockImplementation(async () =>
    json(200, payment, serverAhead === null ? {} : { Date: new Date(Date.now() + serverAhead).toUTCString() }));
}

describe("payment countdown", () => {
  it("shows a QR as expired when the server's clock says so, with the browser clock 5 minutes slow", async () => {
    // The browser thinks 2 minutes are left; on the server the QR expired 3 minutes ago.
    answerWith({ ...qris, expiresAt: new Date(Date.now() + 2 * MINUTE).toISOString() }, 5 * MINUTE);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText(/Do not pay: this payment has expired/)).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: /QRIS code/ })).toBeNull();
    expect(screen.queryByTestId("countdown")).toBeNull();
  });

  it("keeps showing a payable VA with the browser clock 5 minutes fast", async () => {
    // The browser thinks it expired 2 minutes ago; the server has 3 minutes left.
    answerWith({ ...briva, expiresAt: new Date(Date.now() - 2 * MINUTE).toISOString() }, -5 * MINUTE);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByTestId("va-number")).toHaveTextContent("7777700012345678");
    expect(screen.getByTestId("countdown").textContent).toMatch(/^(2:5\d|3:0\d)$/);
    expect(screen.queryByText(/Do not pay/)).toBeNull();
  });

  it("counts down on the browser clock when the answers have no Date header", async () => {
    answerWith({ ...briva, expiresAt: new Date(Date.now() + 2 * MINUTE).toISOString() }, null);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByTestId("va-number")).toBeInTheDocument();
    expect(screen.getByTestId("countdown").textContent).toMatch(/^(1:5\d|2:00)$/);
  });

  it("shows the expiry itself in the browser's time zone, as the server sent it", async () => {
    const expiresAt = new Date(Date.now() + 10 * MINUTE).toISOString();
    answerWith({ ...briva, expiresAt }, 5 * MINUTE);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    const countdown = await screen.findByTestId("countdown");
    expect(countdown.textContent).toMatch(/^(4:5\d|5:0\d)$/);
    const shown = new Date(expiresAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    expect(countdown.parentElement).toHaveTextContent(`(${shown})`);
  });
});
