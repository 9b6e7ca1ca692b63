import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Link } from "@kservices/shared";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { App } from "./App";
import { MfaPage } from "./pages/Mfa";

const renderAt = renderInApp("/auth/");
const secret = "JBSWY3DPEHPK3PXP";
const provisioningUri = `otpauth://totp/KServices:a%40example.com?secret=${secret}&issuer=KServices`;
const codes = Array.from({ length: 10 }, (_, i) => `code-${i}`);
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };

const fetchMock = stubFetch();
// The auth service's two-factor state: GET me reports what setup/enable/disable did.
function serveMfa(enabled: boolean) {
  const state = { enabled };
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    if (url.endsWith("/api/auth/me")) return json(200, { ...me, mfaEnabled: state.enabled });
    if (url.endsWith("/mfa/totp/setup")) return json(200, { secret, provisioningUri });
    if (url.endsWith("/mfa/totp/enable")) {
      state.enabled = true;
      return json(200, { recoveryCodes: codes });
    }
    if (url.endsWith("/mfa/totp/disable")) {
      state.enabled = false;
      return new Response(null, { status: 204 });
    }
    if (url.endsWith("/api/auth/logout")) return new Response(null, { status: 204 });
    return json(404, envelope("not_found", [{ url, method: init.method }]));
  });
  return state;
}

async function enableMfa() {
  await userEvent.type(await screen.findByLabelText("Password"), "right-password");
  await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
  await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
  await userEvent.click(screen.getByRole("button", { name: "Enable" }));
  await screen.findByTestId("recovery-codes");
}

const createObjectURL = vi.fn((_blob: Blob) => "blob:recovery-codes");
const revokeObjectURL = vi.fn();
beforeEach(() => {
  tokens.clear();
  createObjectURL.mockClear();
  revokeObjectURL.mockClear();
  // jsdom has no object URLs.
  Object.assign(URL, { createObjectURL, revokeObjectURL });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("MfaPage", () => {
  const setupBodies = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/mfa/totp/setup")).map(([, init]) => JSON.parse(init.body));

  it("asks for the password before a new secret is shown", async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/api/auth/me")) return json(200, me);
      if (url.endsWith("/api/auth/mfa/totp/setup")) {
        return JSON.parse(String(init.body)).password === "right-password"
          ? json(200, { secret, provisioningUri })
          : json(403, envelope("invalid_password"));
      }
      return json(404, envelope("not_found"));
    });
    renderAt("/auth/mfa", <MfaPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Set up two-factor authentication" }));
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/Enter your password/);
    expect(setupBodies()).toEqual([]);
    await userEvent.type(screen.getByLabelText("Password"), "wrong-password");
    await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The password is incorrect.");
    expect(screen.queryByTestId("totp-secret")).toBeNull();
    await userEvent.clear(screen.getByLabelText("Password"));
    await userEvent.type(screen.getByLabelText("Password"), "right-password");
    await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    expect(await screen.findByTestId("totp-secret")).toHaveTextContent(secret);
    expect(setupBodies()).toEqual([{ password: "wrong-password" }, { password: "right-password" }]);
  });

  it("after turning it off and on again, says it is on", async () => {
    serveMfa(true);
    renderAt("/auth/mfa", <MfaPage />);
    expect(await screen.findByText("Two-factor authentication is enabled on your account.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Password"), "right-password");
    await userEvent.type(screen.getByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Disable two-factor" }));
    expect(await screen.findByText("Two-factor authentication was turned off.")).toBeInTheDocument();
    await enableMfa();
    await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
    expect(await screen.findByText("Two-factor authentication is enabled on your account.")).toBeInTheDocument();
    expect(screen.queryByText("Two-factor authentication was turned off.")).toBeNull();
    expect(screen.getByRole("button", { name: "Disable two-factor" })).toBeInTheDocument();
  });
});

describe("turning two-factor off", () => {
  const disableBodies = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/mfa/totp/disable")).map(([, init]) => JSON.parse(init.body));

  it("takes a recovery code when the authenticator is lost", async () => {
    serveMfa(true);
    renderAt("/auth/mfa", <MfaPage />);
    await userEvent.type(await screen.findByLabelText("Password"), "right-password");
    await userEvent.click(screen.getByRole("button", { name: /Use a recovery code/ }));
    const recovery = screen.getByLabelText("Recovery code");
    await userEvent.type(recovery, "abcde-01234-abcde-01234");
    await userEvent.click(screen.getByRole("button", { name: "Disable two-factor" }));
    expect(await screen.findByText("Two-factor authentication was turned off.")).toBeInTheDocument();
    expect(disableBodies()).toEqual([{ password: "right-password", recoveryCode: "abcde-01234-abcde-01234" }]);
  });

  it("sends an authenticator code as ASCII digits", async () => {
    serveMfa(true);
    renderAt("/auth/mfa", <MfaPage />);
    await userEvent.type(await screen.findByLabelText("Password"), "right-password");
    await userEvent.type(screen.getByLabelText("Authentication code"), "１２３ ４５６");
    await userEvent.click(screen.getByRole("button", { name: "Disable two-factor" }));
    expect(await screen.findByText("Two-factor authentication was turned off.")).toBeInTheDocument();
    expect(disableBodies()).toEqual([{ password: "right-password", code: "123456" }]);
  });
});

describe("recovery codes", () => {
  it("says when they were copied", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    serveMfa(false);
    renderAt("/auth/mfa", <MfaPage />);
    await enableMfa();
    await userEvent.click(screen.getByRole("button", { name: "Copy codes" }));
    expect(await screen.findByText("Copied. Paste them somewhere safe.")).toBeInTheDocument();
    expect(writeText).toHaveBeenCalledWith(`${codes.join("\n")}\n`);
  });

  it.each([
    ["there is no Clipboard API", undefined],
    ["the browser refuses", { writeText: vi.fn().mockRejectedValue(new DOMException("denied", "NotAllowedError")) }],
  ])("says so when they cannot be copied: %s", async (_, clipboard) => {
    vi.stubGlobal("navigator", { ...navigator, clipboard });
    serveMfa(false);
    renderAt("/auth/mfa", <MfaPage />);
    await enableMfa();
    await userEvent.click(screen.getByRole("button", { name: "Copy codes" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/could not be copied.*Download them as a \.txt file/);
    expect(screen.queryByText(/^Copied/)).toBeNull();
  });

  it("offers them as a .txt file and keeps them out of web storage", async () => {
    serveMfa(false);
    const view = renderAt("/auth/mfa", <MfaPage />);
    await enableMfa();
    const link = await screen.findByRole("link", { name: "Download as .txt" });
    expect(link).toHaveAttribute("href", "blob:recovery-codes");
    expect(link).toHaveAttribute("download", "kservices-recovery-codes.txt");
    const file = await new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.readAsText(createObjectURL.mock.calls[0][0]);
    });
    expect(file).toBe(`${codes.join("\n")}\n`);
    expect(sessionStorage.length + localStorage.length).toBe(0);
    view.unmount();
    expect(revokeObjectURL).toHaveBeenCalledWith("blob:recovery-codes");
  });

  it("asks before the page unloads until they are saved", async () => {
    serveMfa(false);
    renderAt("/auth/mfa", <MfaPage />);
    await enableMfa();
    const unload = () => {
      const event = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    };
    expect(unload()).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
    await screen.findByText("Two-factor authentication is enabled on your account.");
    expect(unload()).toBe(false);
  });

  it("asks before a link leaves them; Stay keeps them, Leave page goes", async () => {
    serveMfa(false);
    renderAt("/auth/mfa", <><Link to="/sessions">Sessions</Link><MfaPage /></>);
    await enableMfa();
    await userEvent.click(screen.getByRole("link", { name: "Sessions" }));
    const dialog = screen.getByRole("alertdialog", { name: "Leave without your recovery codes?" });
    expect(window.location.pathname).toBe("/auth/mfa");
    await userEvent.click(within(dialog).getByRole("button", { name: "Stay" }));
    expect(screen.getByTestId("recovery-codes")).toBeInTheDocument();
    // The download link is not held back (jsdom cannot download: the test stops its default action).
    const download = await screen.findByRole("link", { name: "Download as .txt" });
    download.addEventListener("click", (event) => event.preventDefault());
    await userEvent.click(download);
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await userEvent.click(screen.getByRole("link", { name: "Sessions" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Leave page" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/sessions"));
  });
});

describe("recovery codes in the app", () => {
  const logouts = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/logout"));
  const leaveDialog = () => screen.findByRole("alertdialog", { name: "Leave without your recovery codes?" });

  // The whole app, signed in, showing the codes at /auth/mfa after a visit to the profile (the entry Back returns to).
  async function codesInApp() {
    serveMfa(false);
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    window.history.pushState(null, "", "/auth/");
    window.history.pushState(null, "", "/auth/mfa");
    render(<App />);
    await enableMfa();
  }

  it("asks before Back leaves them; Stay keeps them, Leave page goes back", async () => {
    await codesInApp();
    // A #fragment on the same page is no way out (the skip link focuses <main> without one).
    const fragment = document.body.appendChild(Object.assign(document.createElement("a"), { href: "#recovery-codes", textContent: "To the codes" }));
    await userEvent.click(fragment);
    fragment.remove();
    expect(window.location.hash).toBe("#recovery-codes");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    window.history.go(-2);
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Stay" }));
    expect(window.location.pathname).toBe("/auth/mfa");
    expect(screen.getByTestId("recovery-codes")).toBeInTheDocument();
    window.history.back();
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Leave page" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/"));
    expect(await screen.findByRole("heading", { level: 1, name: "Your profile" })).toBeInTheDocument();
    expect(screen.queryByTestId("recovery-codes")).toBeNull();
  });

  it("asks before Sign out; Stay keeps the user signed in, Sign out anyway signs out", async () => {
    await codesInApp();
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Stay" }));
    expect(screen.getByTestId("recovery-codes")).toBeInTheDocument();
    expect(tokens.getAccessToken()).toBe("acc");
    expect(logouts()).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Sign out anyway" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/login"));
    expect(tokens.getAccessToken()).toBeNull();
    expect(logouts()).toHaveLength(1);
  });

  it.each([
    ["a 503", () => json(503, envelope("service_unavailable"), { "Retry-After": "5" })],
    ["a network error", () => Promise.reject(new TypeError("Failed to fetch"))],
  ])("keeps them when Sign out anyway fails with %s, and signs out on a retry", async (_, failure) => {
    await codesInApp();
    const serve = fetchMock.getMockImplementation()!;
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => (url.endsWith("/api/auth/logout") ? failure() : serve(url, init)));
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Sign out anyway" }));
    expect(await screen.findByText("Signing out failed: you are still signed in.")).toBeInTheDocument();
    expect(screen.getByTestId("recovery-codes")).toBeInTheDocument();
    expect(window.location.pathname).toBe("/auth/mfa");
    expect(tokens.getAccessToken()).toBe("acc");
    expect(logouts()).toHaveLength(1);
    // Still guarded: the next Sign out asks again, and once it succeeds the codes go.
    fetchMock.mockImplementation(serve);
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await userEvent.click(within(await leaveDialog()).getByRole("button", { name: "Sign out anyway" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/login"));
    expect(screen.queryByTestId("recovery-codes")).toBeNull();
    expect(tokens.getAccessToken()).toBeNull();
  });

  it("asks no more after I saved them: Back and Sign out go at once", async () => {
    await codesInApp();
    await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
    await screen.findByText("Two-factor authentication is enabled on your account.");
    window.history.back();
    expect(await screen.findByRole("heading", { level: 1, name: "Your profile" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/auth/");
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/login"));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(logouts()).toHaveLength(1);
  });
});
