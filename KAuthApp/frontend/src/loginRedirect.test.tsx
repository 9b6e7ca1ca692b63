import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Router } from "@kservices/shared";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { tokens } from "./api";
import { App } from "./App";
import { LoginPage } from "./pages/Login";

// `next` after a sign-in: "/.//evil.example" stays on this origin for new URL() but resolves to the path
// "//evil.example", which location.assign would open as another host.
const DOT_SEGMENT_NEXT = "%2F.%2F%2Fevil.example";
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, mfaEnabled: false };

const fetchMock = stubFetch();
const assign = vi.fn();
beforeEach(() => {
  tokens.clear();
  assign.mockReset();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

// Opens the login page with that next; location.assign is a spy from then on (document.location stays real).
function openLogin() {
  window.history.pushState(null, "", `/auth/login?next=${DOT_SEGMENT_NEXT}`);
  vi.stubGlobal("location", { ...window.location, assign });
}

describe("next with dot segments", () => {
  it("is not followed when the cookie already restored the session", async () => {
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockResolvedValue(json(200, me));
    openLogin();
    render(<App />);
    await waitFor(() => expect(document.location.pathname).toBe("/auth/"));
    expect(await screen.findByText("a@example.com")).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });

  it("is not followed after signing in", async () => {
    fetchMock.mockResolvedValue(json(200, { accessToken: "acc", tokenType: "bearer", expiresIn: 900 }));
    openLogin();
    render(<Router base="/auth/"><LoginPage /></Router>);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(document.location.pathname).toBe("/auth/"));
    expect(assign).not.toHaveBeenCalled();
  });
});
