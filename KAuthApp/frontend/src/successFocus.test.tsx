import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { ChangePasswordPage } from "./pages/ChangePassword";
import { ForgotPasswordPage } from "./pages/ForgotPassword";
import { MfaPage } from "./pages/Mfa";
import { ProfilePage } from "./pages/Profile";
import { RegisterPage } from "./pages/Register";

// A submit button is disabled while its request runs, so it loses focus to <body> (the browsers' focus fixup), and a
// form replaced by its answer takes the focus with it: once a request has succeeded, focus is on the page's answer, so
// keyboard and screen reader users go on from there instead of from the top of the document.
const renderAt = renderInApp("/auth/");
const fetchMock = stubFetch();
applyFocusFixup();
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };

beforeEach(() => {
  tokens.clear();
  Object.assign(URL, { createObjectURL: vi.fn(() => "blob:codes"), revokeObjectURL: vi.fn() });
});

describe("focus after a successful submit", () => {
  it("forgot password: on the notice that replaces the form", async () => {
    fetchMock.mockResolvedValueOnce(json(202, { status: "accepted", message: "ok" }));
    renderAt("/auth/forgot-password", <ForgotPasswordPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Send reset link" }));
    const notice = await screen.findByText(/we sent a link to reset the password/);
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("register: on the notice that replaces the form", async () => {
    fetchMock.mockResolvedValueOnce(json(202, { status: "verification_sent", message: "ok" }));
    renderAt("/auth/register", <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "Long-enough-passphrase-1");
    await userEvent.type(screen.getByLabelText("Confirm password"), "Long-enough-passphrase-1");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    const notice = (await screen.findByText(/We sent a verification link/)).closest<HTMLElement>("[role=status]")!;
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("change password: on the notice saying it changed", async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    renderAt("/auth/password", <ChangePasswordPage />);
    await userEvent.type(screen.getByLabelText("Current password"), "Old-passphrase-123");
    await userEvent.type(screen.getByLabelText("New password"), "New-passphrase-456");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "New-passphrase-456");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    const notice = await screen.findByText(/Your password was changed/);
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("profile: on the notice saying it was saved", async () => {
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) =>
      init.method === "PATCH" ? json(200, { ...me, displayName: "Ann" }) : json(200, me));
    renderAt("/auth/", <ProfilePage />);
    await userEvent.type(await screen.findByLabelText("Display name"), "Ann");
    await userEvent.click(screen.getByRole("button", { name: "Save profile" }));
    const notice = await screen.findByText("Your profile was saved.");
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("two-factor enabled: on the recovery codes' heading; turned off: on the notice", async () => {
    let enabled = false;
    fetchMock.mockImplementation(async (url: string) => {
      if (url.endsWith("/api/auth/me")) return json(200, { ...me, mfaEnabled: enabled });
      if (url.endsWith("/mfa/totp/setup")) return json(200, { secret: "JBSWY3DPEHPK3PXP", provisioningUri: "otpauth://totp/K:a?secret=JBSWY3DPEHPK3PXP" });
      if (url.endsWith("/mfa/totp/enable")) {
        enabled = true;
        return json(200, { recoveryCodes: ["aaaaa-bbbbb-ccccc-ddddd"] });
      }
      enabled = false;
      return new Response(null, { status: 204 });
    });
    renderAt("/auth/mfa", <MfaPage />);
    await userEvent.type(await screen.findByLabelText("Password"), "right-password");
    await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Enable" }));
    const heading = await screen.findByRole("heading", { name: "Save your recovery codes" });
    await waitFor(() => expect(heading).toHaveFocus());
    await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
    await userEvent.type(await screen.findByLabelText("Password"), "right-password");
    await userEvent.type(screen.getByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Disable two-factor" }));
    const notice = await screen.findByText("Two-factor authentication was turned off.");
    await waitFor(() => expect(notice).toHaveFocus());
  });

  describe("recovery codes saved", () => {
    // Two-factor enabled, its codes on screen; `meAfter` answers the account's reload after the enable.
    async function showCodes(meAfter: () => Response) {
      let enabled = false;
      fetchMock.mockImplementation(async (url: string) => {
        if (url.endsWith("/api/auth/me")) return enabled ? meAfter() : json(200, me);
        if (url.endsWith("/mfa/totp/setup")) return json(200, { secret: "JBSWY3DPEHPK3PXP", provisioningUri: "otpauth://totp/K:a?secret=JBSWY3DPEHPK3PXP" });
        enabled = true;
        return json(200, { recoveryCodes: ["aaaaa-bbbbb-ccccc-ddddd"] });
      });
      renderAt("/auth/mfa", <MfaPage />);
      await userEvent.type(await screen.findByLabelText("Password"), "right-password");
      await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
      await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
      await userEvent.click(screen.getByRole("button", { name: "Enable" }));
      await screen.findByRole("heading", { name: "Save your recovery codes" });
    }

    it("focus goes to the notice that two-factor is enabled", async () => {
      await showCodes(() => json(200, { ...me, mfaEnabled: true }));
      await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
      const notice = (await screen.findByText("Two-factor authentication is enabled on your account.")).closest<HTMLElement>("[role=status]")!;
      await waitFor(() => expect(notice).toHaveFocus());
    });

    it("focus goes to the heading when the account could not be read again", async () => {
      await showCodes(() => json(503, { error: { code: "service_unavailable", message: "down" } }));
      // The reload after the enable has failed (its error waits behind the codes).
      await waitFor(() => expect(fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/me"))).toHaveLength(2));
      await act(() => new Promise((resolve) => setTimeout(resolve, 0)));
      await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
      const heading = await screen.findByRole("heading", { level: 1, name: "Two-factor authentication" });
      expect(screen.getByText(/Your account could not be loaded/)).toBeInTheDocument();
      await waitFor(() => expect(heading).toHaveFocus());
    });
  });
});
