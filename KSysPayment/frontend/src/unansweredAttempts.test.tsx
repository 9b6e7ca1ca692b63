import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { NewPaymentPage } from "./pages/NewPayment";
import { ATTEMPT_TTL_MS, hasUnanswered, recordOutcome, unansweredKey } from "./unansweredAttempts";

const body = JSON.stringify({ amount: 150000, method: "qris", description: "Order for Budi" });
const user = "0190a1b2-user-a";
const other = "0190a1b2-user-b";

// A JWT-shaped access token for user `sub` (the frontend reads the claim, it never verifies it).
function jwt(sub: string): string {
  const part = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "");
  return `${part({ alg: "HS256" })}.${part({ sub })}.signature`;
}

describe("unanswered attempts", () => {
  it("keeps a key per body in sessionStorage, without the details, until the outcome is known", () => {
    recordOutcome(user, body, "key-1", false);
    expect(unansweredKey(user, body)).toBe("key-1");
    expect(unansweredKey(user, body.replace("150000", "160000"))).toBeUndefined();
    expect(sessionStorage.length).toBe(1);
    expect(JSON.stringify({ ...sessionStorage })).not.toMatch(/Budi|150000|user-a/);
    recordOutcome(user, body, "key-1", true);
    expect(unansweredKey(user, body)).toBeUndefined();
    expect(hasUnanswered(user)).toBe(false);
    expect(sessionStorage.length).toBe(0);
  });

  it("drops entries older than a day", () => {
    const saved = Date.now();
    recordOutcome(user, body, "key-1", false, saved);
    expect(unansweredKey(user, body, saved + ATTEMPT_TTL_MS - 1)).toBe("key-1");
    expect(unansweredKey(user, body, saved + ATTEMPT_TTL_MS)).toBeUndefined();
    expect(hasUnanswered(user, saved + ATTEMPT_TTL_MS)).toBe(false);
    // The next write leaves the expired entry out of storage.
    recordOutcome(user, "{}", "key-2", true, saved + ATTEMPT_TTL_MS);
    expect(sessionStorage.length).toBe(0);
  });

  it("keeps each user's attempts to that user: the tab is shared, the keys and the warning are not", () => {
    recordOutcome(user, body, "key-1", false);
    expect(hasUnanswered(other)).toBe(false);
    expect(unansweredKey(other, body)).toBeUndefined();
    recordOutcome(other, body, "key-2", true);
    expect(unansweredKey(user, body)).toBe("key-1");
    expect(hasUnanswered(user)).toBe(true);
  });

  it("keeps the keys in memory when sessionStorage is unavailable", async () => {
    vi.resetModules();
    const blocked = () => {
      throw new DOMException("blocked", "SecurityError");
    };
    const spies = [vi.spyOn(Storage.prototype, "getItem").mockImplementation(blocked), vi.spyOn(Storage.prototype, "setItem").mockImplementation(blocked)];
    try {
      const fresh = await import("./unansweredAttempts");
      fresh.recordOutcome(user, body, "key-1", false);
      expect(fresh.unansweredKey(user, body)).toBe("key-1");
      expect(fresh.hasUnanswered(user)).toBe(true);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
  });
});

describe("NewPaymentPage after leaving", () => {
  const fetchMock = stubFetch();
  beforeEach(() => {
    tokens.setTokens({ accessToken: jwt(user), expiresIn: 900 });
  });
  afterEach(() => {
    tokens.clear();
  });
  const renderAt = renderInApp("/payment/");
  const creates = () => fetchMock.mock.calls.filter(([url]) => url === "/api/payment/payments");
  const keys = () => creates().map(([, init]) => init.headers["Idempotency-Key"]);

  async function submit(amount: string) {
    const input = screen.getByLabelText("Amount (Rp)");
    await userEvent.clear(input);
    await userEvent.type(input, amount);
    await userEvent.click(screen.getByRole("button", { name: "Create payment" }));
    await screen.findByRole("alert");
  }

  it("reuses the key of an unanswered attempt after the page was unmounted, for the same details only", async () => {
    fetchMock.mockImplementation(async (url: string) => (url === "/api/payment/limits" ? json(404, envelope("not_found")) : json(504, envelope("gateway_timeout"))));
    const first = renderAt("/payment/new", <NewPaymentPage />);
    await submit("150000");
    first.unmount();

    renderAt("/payment/new", <NewPaymentPage />);
    expect(screen.getByText(/Your previous attempt may have gone through/)).toBeInTheDocument();
    await submit("150000");
    await submit("160000");
    await waitFor(() => expect(creates()).toHaveLength(3));
    const [key, again, otherDetails] = keys();
    expect(again).toBe(key);
    expect(otherDetails).not.toBe(key);
  });

  it("shows another user signed in on the tab neither the warning nor the key", async () => {
    fetchMock.mockImplementation(async (url: string) => (url === "/api/payment/limits" ? json(404, envelope("not_found")) : json(504, envelope("gateway_timeout"))));
    const first = renderAt("/payment/new", <NewPaymentPage />);
    await submit("150000");
    first.unmount();

    tokens.setTokens({ accessToken: jwt(other), expiresIn: 900 });
    renderAt("/payment/new", <NewPaymentPage />);
    expect(screen.queryByText(/Your previous attempt may have gone through/)).not.toBeInTheDocument();
    await submit("150000");
    await waitFor(() => expect(creates()).toHaveLength(2));
    const [key, theirs] = keys();
    expect(theirs).not.toBe(key);
  });
});
