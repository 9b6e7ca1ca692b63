import { render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { tokens } from "./api";
import { App } from "./App";

// Another tab of the same browser: it speaks on the app's BroadcastChannel.
let otherTab: BroadcastChannel;
const fetchMock = stubFetch();
const reload = vi.fn();

// A JWT-shaped access token for user `sub`.
const jwt = (sub: string) => `h.${btoa(JSON.stringify({ sub })).replace(/=+$/, "")}.s`;

beforeEach(() => {
  tokens.clear();
  reload.mockReset();
  otherTab = new BroadcastChannel("kservices-auth");
});
afterEach(() => {
  otherTab.close();
  vi.unstubAllGlobals();
});

// The profile page, signed in as `sub`; location.reload is a spy from then on.
async function showProfile(sub: string) {
  tokens.setTokens({ accessToken: jwt(sub), expiresIn: 900 });
  fetchMock.mockResolvedValue(json(200, { id: sub, email: `${sub}@example.com`, displayName: null, phoneNumber: null, mfaEnabled: false }));
  window.history.pushState(null, "", "/auth/");
  vi.stubGlobal("location", { ...window.location, reload });
  render(<App />);
  await screen.findByText(`${sub}@example.com`);
}

describe("another tab", () => {
  it("signing out takes this tab to the sign-in page", async () => {
    await showProfile("u1");
    otherTab.postMessage({ type: "signed-out" });
    await waitFor(() => expect(document.location.pathname).toBe("/auth/login"));
    expect(screen.queryByText("u1@example.com")).toBeNull();
    expect(tokens.getAccessToken()).toBeNull();
    expect(reload).not.toHaveBeenCalled();
  });

  it("signing in as another user reloads this tab, after dropping the old user's token", async () => {
    await showProfile("u1");
    otherTab.postMessage({ type: "signed-in", subject: "u2" });
    await waitFor(() => expect(reload).toHaveBeenCalledTimes(1));
    expect(tokens.getAccessToken()).toBeNull();
  });

  it("signing in as the same user changes nothing here", async () => {
    await showProfile("u1");
    otherTab.postMessage({ type: "signed-in", subject: "u1" });
    otherTab.postMessage({ type: "signed-out-typo" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tokens.getAccessToken()).toBe(jwt("u1"));
    expect(reload).not.toHaveBeenCalled();
  });
});
