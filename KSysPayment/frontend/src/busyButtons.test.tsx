import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { App } from "./App";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// A button disabled while its request runs says it is busy (aria-busy), not only dimmed.
const renderAt = renderInApp("/payment/");
const pending = {
  id: "p1", amount: 150000, method: "briva", status: "pending", description: null, virtualAccountNo: "7777700012345678", qrContent: null,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(), createdAt: new Date().toISOString(),
};

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

// GETs answer `body` at once; the first other call waits for the returned answer().
function holdNonGet(body: object): (response: Response) => void {
  let answer = (_: Response) => {};
  fetchMock.mockImplementation((_url: string, init: RequestInit) =>
    init.method === "GET" ? Promise.resolve(json(200, body)) : new Promise((resolve) => { answer = resolve; }));
  return (response) => answer(response);
}

describe("busy buttons", () => {
  it("Cancel payment is busy while the cancel runs", async () => {
    const answer = holdNonGet(pending);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: "Cancel payment" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel payment" }));
    expect(screen.getByRole("button", { name: "Cancel payment" })).toHaveAttribute("aria-busy", "true");
    answer(json(200, { ...pending, status: "cancelled" }));
    expect(await screen.findByText("Cancelled")).toBeInTheDocument();
  });

  it("Simulate customer payment (development) is busy while the simulation runs", async () => {
    const answer = holdNonGet(pending);
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: /Simulate customer payment/ }));
    expect(screen.getByRole("button", { name: /Simulate customer payment/ })).toHaveAttribute("aria-busy", "true");
    answer(json(200, pending));
    await waitFor(() => expect(screen.getByRole("button", { name: /Simulate customer payment/ })).toHaveAttribute("aria-busy", "false"));
  });

  it("the top bar's Sign out is busy while the sign-out runs", async () => {
    const answer = holdNonGet({ items: [], nextCursor: null });
    renderAt("/payment/", <App />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(screen.getByRole("button", { name: "Sign out" })).toHaveAttribute("aria-busy", "true");
    answer(json(503, envelope("service_unavailable")));
    await waitFor(() => expect(screen.getByRole("button", { name: "Sign out" })).toHaveAttribute("aria-busy", "false"));
  });
});
