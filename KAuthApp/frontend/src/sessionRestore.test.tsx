import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { App } from "./App";
import { ChangePasswordPage } from "./pages/ChangePassword";

// The session restored from the refresh cookie: when a private page opens, and when a request meets an ended token.
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, mfaEnabled: false };
const unreachable = "Cannot reach the server to restore your session.";

const fetchMock = stubFetch();
afterEach(() => {
  vi.useRealTimers();
  tokens.clear();
});

describe("restoring the session", () => {
  it.each([
    ["a 503", () => json(503, envelope("service_unavailable"), { "Retry-After": "5" })],
    ["a 429", () => json(429, envelope("rate_limited"), { "Retry-After": "5" })],
    ["an HTML 502", () => new Response("<html>502 Bad Gateway</html>", { status: 502, headers: { "Content-Type": "text/html" } })],
    ["no answer", () => Promise.reject(new TypeError("Failed to fetch"))],
  ])("offers a retry, not the sign-in page, after %s", async (_, failure) => {
    tokens.setTokens({ accessToken: "stale", expiresIn: 0 }); // expired at once; the cookie may still be good
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string) => {
      if (url === "/api/auth/refresh") {
        refreshes += 1;
        return refreshes === 1 ? failure() : json(200, { accessToken: "a2", expiresIn: 900 });
      }
      return json(200, me);
    });
    window.history.pushState(null, "", "/auth/sessions");
    render(<App />);
    expect(await screen.findByText(unreachable)).toBeInTheDocument();
    expect(window.location.pathname).toBe("/auth/sessions");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByText(unreachable)).toBeNull());
    expect(await screen.findByRole("heading", { level: 1, name: "Your sessions" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/auth/sessions");
    expect(tokens.getAccessToken()).toBe("a2");
  });

  it("still sends the user to sign in when the refresh is refused", async () => {
    tokens.setTokens({ accessToken: "stale", expiresIn: 0 });
    fetchMock.mockResolvedValue(json(401, envelope("invalid_token")));
    window.history.pushState(null, "", "/auth/sessions");
    render(<App />);
    await waitFor(() => expect(window.location.pathname).toBe("/auth/login"));
    expect(window.location.search).toBe(`?next=${encodeURIComponent("/auth/sessions")}`);
    expect(screen.queryByText(unreachable)).toBeNull();
  });
});

describe("a refresh mid-session", () => {
  it("that fails transiently shows its own error, not 'sign in again', and keeps the form", async () => {
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockImplementation(async (url: string) => {
      if (url === "/api/auth/refresh") return json(429, envelope("rate_limited"), { "Retry-After": "30" });
      return json(401, envelope("token_expired"));
    });
    renderInApp("/auth/")("/auth/password", <ChangePasswordPage />);
    await userEvent.type(screen.getByLabelText("Current password"), "old-password-1");
    await userEvent.type(screen.getByLabelText("New password"), "new-password-1");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "new-password-1");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/Too many attempts\. Try again in (30|29) s\./);
    expect(alert).not.toHaveTextContent(/sign in again/i);
    expect(screen.getByLabelText("Current password")).toHaveValue("old-password-1");
    expect(screen.getByLabelText("New password")).toHaveValue("new-password-1");
    expect(tokens.getAccessToken()).toBe("acc");
  });
});

describe("an access token that lapses mid-session", () => {
  // Answers the refreshes with `refresh` (counted), the pages' loads with their data.
  function answer(refresh: (count: number) => Response) {
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string) => {
      if (url === "/api/auth/refresh") return refresh(++refreshes);
      return json(200, url === "/api/auth/sessions" ? { sessions: [] } : me);
    });
    return () => refreshes;
  }

  it("is refreshed on the next navigation, not shown as 'unreachable', when no refresh was tried (a sleep outran the timer)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    const refreshes = answer(() => json(200, { accessToken: "a2", expiresIn: 900 }));
    window.history.pushState(null, "", "/auth/");
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Your profile" })).toBeInTheDocument();
    vi.setSystemTime(Date.now() + 901_000); // the wall clock moved on; the 14-minute timer did not fire
    await userEvent.click(screen.getByRole("link", { name: "Sessions" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your sessions" })).toBeInTheDocument();
    expect(screen.queryByText(unreachable)).toBeNull();
    expect(refreshes()).toBe(1);
    expect(tokens.getAccessToken()).toBe("a2");
  });

  it("is not reached after one failed timer refresh: the refresh is tried again after its Retry-After", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
    const advance = (ms: number) => act(async () => {
      await vi.advanceTimersByTimeAsync(ms);
    });
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    const refreshes = answer((count) => (count === 1 ? json(503, envelope("service_unavailable"), { "Retry-After": "20" }) : json(200, { accessToken: "a2", expiresIn: 900 })));
    window.history.pushState(null, "", "/auth/");
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Your profile" })).toBeInTheDocument();
    await advance(840_000); // the timer's refresh: 503
    expect(refreshes()).toBe(1);
    await advance(19_000);
    expect(refreshes()).toBe(1); // not before the Retry-After
    await advance(1_000);
    expect(refreshes()).toBe(2);
    expect(tokens.getAccessToken()).toBe("a2");
    await advance(60_000); // past the first token's expiry
    await user.click(screen.getByRole("link", { name: "Sessions" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your sessions" })).toBeInTheDocument();
    expect(screen.queryByText(unreachable)).toBeNull();
    expect(refreshes()).toBe(2);
  });

  it("shows 'unreachable' once the refresh tried after it lapsed has failed, and the page again when a retry works", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    const refreshes = answer((count) => (count === 1 ? json(503, envelope("service_unavailable")) : json(200, { accessToken: "a2", expiresIn: 900 })));
    window.history.pushState(null, "", "/auth/");
    render(<App />);
    expect(await screen.findByRole("heading", { level: 1, name: "Your profile" })).toBeInTheDocument();
    vi.setSystemTime(Date.now() + 901_000);
    await userEvent.click(screen.getByRole("link", { name: "Sessions" }));
    expect(await screen.findByText(unreachable)).toBeInTheDocument();
    expect(refreshes()).toBe(1);
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your sessions" })).toBeInTheDocument();
    expect(refreshes()).toBe(2);
  });
});
