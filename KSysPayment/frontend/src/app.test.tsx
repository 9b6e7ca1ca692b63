import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CrashingApp, mountCrashingMain } from "../../../frontend-shared/src/test/crashingMain";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";

// The app shell: main.tsx, restoring the session, signing out.
const renderAt = renderInApp("/payment/");

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

describe("main", () => {
  it("shows a reload message instead of a blank page when the app crashes", async () => {
    vi.doMock("./App", () => ({ App: CrashingApp }));
    const root = await mountCrashingMain(() => import("./main"));
    vi.doUnmock("./App");
    expect(within(root).getByRole("alert")).toHaveTextContent("Something went wrong");
    root.remove();
  });
});

describe("App", () => {
  it("offers a retry, not the sign-in page, when restoring the session meets a server error", async () => {
    const { App } = await import("./App");
    tokens.setTokens({ accessToken: "stale", expiresIn: 0 }); // expired at once; the cookie may still be good
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign, pathname: "/payment/" });
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string) => {
      if (url === "/api/auth/refresh") {
        refreshes += 1;
        return refreshes === 1 ? json(503, envelope("service_unavailable")) : json(200, { accessToken: "a2", expiresIn: 900 });
      }
      return json(200, { items: [], nextCursor: null });
    });
    renderAt("/payment/", <App />);
    expect(await screen.findByText("Cannot reach the server to restore your session.")).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(screen.queryByText("Cannot reach the server to restore your session.")).toBeNull());
    expect(tokens.getAccessToken()).toBe("a2");
    expect(assign).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
  });

  it("refreshes an access token that lapsed with no refresh tried (a sleep outran the timer), instead of 'unreachable'", async () => {
    const { App } = await import("./App");
    vi.useFakeTimers({ toFake: ["Date"] });
    let refreshes = 0;
    fetchMock.mockImplementation(async (url: string) => {
      if (url === "/api/auth/refresh") {
        refreshes += 1;
        return json(200, { accessToken: "a2", expiresIn: 900 });
      }
      return json(200, url === "/api/payment/limits" ? { minAmount: 10000, maxAmount: 50000000, currency: "IDR" } : { items: [], nextCursor: null });
    });
    try {
      renderAt("/payment/", <App />);
      expect(await screen.findByRole("heading", { level: 1, name: "My payments" })).toBeInTheDocument();
      vi.setSystemTime(Date.now() + 901_000);
      await userEvent.click(within(screen.getByRole("navigation")).getByRole("link", { name: "New payment" }));
      expect(await screen.findByRole("heading", { level: 1, name: "New payment" })).toBeInTheDocument();
      expect(screen.queryByText("Cannot reach the server to restore your session.")).toBeNull();
      expect(refreshes).toBe(1);
      expect(tokens.getAccessToken()).toBe("a2");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("sign-out", () => {
  applyFocusFixup();
  const logouts = () => fetchMock.mock.calls.filter(([url]) => url === "/api/auth/logout");

  it("hands focus back to Sign out when it fails (the button was disabled while it ran)", async () => {
    const { App } = await import("./App");
    fetchMock.mockImplementation(async (url: string) => (url === "/api/auth/logout" ? json(503, envelope("service_unavailable")) : json(200, { items: [], nextCursor: null })));
    renderAt("/payment/", <App />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Signing out failed: you are still signed in.");
    await waitFor(() => expect(screen.getByRole("button", { name: "Sign out" })).toHaveFocus());
  });

  it("stays signed in and shows the error when the server did not end the session, then signs out on a retry", async () => {
    const { App } = await import("./App");
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign, pathname: "/payment/" });
    let logout = async () => json(503, envelope("service_unavailable"));
    fetchMock.mockImplementation(async (url: string) => (url === "/api/auth/logout" ? logout() : json(200, { items: [], nextCursor: null })));
    try {
      renderAt("/payment/", <App />);
      await userEvent.click(await screen.findByRole("button", { name: "Sign out" }));
      const alert = await screen.findByRole("alert");
      expect(alert).toHaveTextContent("Signing out failed: you are still signed in.");
      expect(alert).toHaveTextContent(/temporarily unavailable/);
      expect(tokens.getAccessToken()).toBe("acc");
      expect(assign).not.toHaveBeenCalled();
      logout = async () => new Response(null, { status: 204 });
      await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
      await waitFor(() => expect(assign).toHaveBeenCalledWith("/auth/login"));
      expect(tokens.getAccessToken()).toBeNull();
      expect(logouts()).toHaveLength(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
