import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { POLL_INTERVAL_MS, PaymentDetailPage } from "./pages/PaymentDetail";

// Simulate customer payment (development) is disabled while its request runs, and a paid payment takes the whole pending
// section (the button with it) off the page: either way focus would fall to <body>. Once the request has settled it is on
// the page's answer, or back on the button when that stays.
const renderAt = renderInApp("/payment/");
const pending = {
  id: "p1", amount: 150000, method: "briva", status: "pending", description: null, virtualAccountNo: "7777700012345678", qrContent: null,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(), createdAt: new Date().toISOString(),
};

const paid = { ...pending, status: "paid", paidAt: new Date().toISOString() };

const fetchMock = stubFetch();
applyFocusFixup();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

// The simulation answers `answer`; GETs answer the pending payment, or after a simulation that paid it the paid one (the
// simulator has notified the server before it answers).
async function simulate(answer: Response, paidAfter = false) {
  let current: object = pending;
  fetchMock.mockImplementation((_url: string, init: RequestInit) => {
    if (init.method === "GET") return Promise.resolve(json(200, current));
    if (paidAfter) current = paid;
    return Promise.resolve(answer);
  });
  renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
  await userEvent.click(await screen.findByRole("button", { name: /Simulate customer payment/ }));
}

describe("Simulate customer payment (development)", () => {
  it("focuses the Payment received notice once the simulation has paid the payment", async () => {
    await simulate(json(200, paid), true);
    const notice = await screen.findByText(/Payment received/, {}, { timeout: POLL_INTERVAL_MS + 1000 });
    expect(screen.getByText("Paid")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Simulate customer payment/ })).toBeNull();
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("focuses its notice when the payment is still pending after the simulation", async () => {
    await simulate(json(200, pending));
    const notice = await screen.findByText(/Simulated payment sent/);
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("gives focus back to the button when the simulation fails, the error shown", async () => {
    await simulate(json(503, envelope("service_unavailable")));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
    const button = screen.getByRole("button", { name: /Simulate customer payment/ });
    expect(button).toBeEnabled();
    await waitFor(() => expect(button).toHaveFocus());
  });

  it("focuses the notice that the simulator is missing when its endpoint answers 404", async () => {
    await simulate(json(404, envelope("not_found")));
    const notice = await screen.findByText(/simulator is not available/);
    await waitFor(() => expect(notice).toHaveFocus());
  });
});
