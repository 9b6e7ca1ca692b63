import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { MfaPage } from "./pages/Mfa";
import { ProfilePage } from "./pages/Profile";

// A page whose account could not be loaded (503 with Retry-After, a 429 from the gateway) keeps its heading and offers
// to try again, instead of a bare error that only a browser reload gets past.
const renderAt = renderInApp("/auth/");
const fetchMock = stubFetch();
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };

beforeEach(() => {
  tokens.clear();
});

describe("a failed load of the account", () => {
  it.each([
    ["profile", "/auth/", () => <ProfilePage />, "Your profile"],
    ["two-factor", "/auth/mfa", () => <MfaPage />, "Two-factor authentication"],
  ])("on the %s page: says so under the page's heading, and Try again loads it", async (_name, path, page, heading) => {
    fetchMock
      .mockResolvedValueOnce(json(503, envelope("service_unavailable"), { "Retry-After": "5" }))
      .mockResolvedValueOnce(json(200, me));
    renderAt(path, page());
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("could not be loaded. The service is temporarily unavailable.");
    expect(screen.getByRole("heading", { level: 1, name: heading })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText(path === "/auth/" ? "a@example.com" : /Protect your account/)).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
