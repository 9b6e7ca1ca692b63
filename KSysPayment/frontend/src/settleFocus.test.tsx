import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";
import { App } from "./App";
import { POLL_INTERVAL_MS } from "./pages/PaymentDetail";

// A poll that finds the payment paid, expired, cancelled or failed takes the pending section (countdown, Cancel payment,
// the simulate button, their notices) off the page: focus inside it would fall to <body>. It goes to what announces the
// new state instead, and stays where it is when it was elsewhere.
const pending = {
  id: "p1", amount: 150000, method: "briva", status: "pending", description: null, virtualAccountNo: "7777700012345678", qrContent: null,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(), createdAt: new Date().toISOString(),
};

const fetchMock = stubFetch();
applyFocusFixup();
// What the next GET answers; a cancel is never answered.
let current: object;
beforeEach(() => {
  // The clock also moves with real time: Testing Library's async wrapper waits on a timer it only advances for Jest's fakes.
  vi.useFakeTimers({ shouldAdvanceTime: true });
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
  current = pending;
  fetchMock.mockImplementation((_url: string, init: RequestInit) => (init.method === "GET" ? Promise.resolve(json(200, current)) : new Promise(() => undefined)));
});
afterEach(() => {
  vi.useRealTimers();
  tokens.clear();
});

const user = () => userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

// The whole app (its navigation and <main>) on the pending payment's page.
async function showPending() {
  window.history.pushState(null, "", "/payment/payments/p1");
  render(<App />);
  await advance(0);
  return screen.getByRole("button", { name: "Cancel payment" });
}

async function pollAnswers(status: string, extra: object = {}) {
  current = { ...pending, status, ...extra };
  await advance(POLL_INTERVAL_MS);
  expect(screen.queryByRole("button", { name: "Cancel payment" })).toBeNull();
}

const statusLine = (label: string) => screen.getByText(label).closest("p");

describe("a poll that ends the pending payment", () => {
  it.each([
    ["paid", { paidAt: new Date().toISOString() }, () => screen.getByText(/Payment received/)],
    ["expired", {}, () => statusLine("Expired")],
    ["cancelled", {}, () => statusLine("Cancelled")],
    ["failed", { failureReason: "BRI refused it" }, () => screen.getByText(/could not be created at the bank/)],
  ])("moves focus from Cancel payment to what announces it %s, not to <body>", async (status, extra, announcement) => {
    (await showPending()).focus();
    await pollAnswers(status, extra);
    expect(announcement()).toHaveFocus();
  });

  it("moves focus from the open cancel confirmation to the Payment received notice", async () => {
    await user().click(await showPending());
    expect(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Keep payment" })).toHaveFocus();
    await pollAnswers("paid");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(screen.getByText(/Payment received/)).toHaveFocus();
  });

  it("moves focus to the Payment received notice while a cancel is running (its disabled button lost focus)", async () => {
    const u = user();
    await u.click(await showPending());
    await u.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel payment" }));
    expect(screen.getByRole("button", { name: "Cancel payment" })).toHaveAttribute("aria-busy", "true");
    expect(document.body).toHaveFocus();
    await pollAnswers("paid");
    expect(screen.getByText(/Payment received/)).toHaveFocus();
  });

  it.each([
    ["on a navigation link", () => screen.getByRole("link", { name: "My payments" }).focus(), () => screen.getByRole("link", { name: "My payments" })],
    ["on the page as it loaded", () => undefined, () => document.body],
  ])("leaves focus %s", async (_where, place, focused) => {
    await showPending();
    place();
    await pollAnswers("paid");
    expect(screen.getByText(/Payment received/)).toBeInTheDocument();
    expect(focused()).toHaveFocus();
  });
});
