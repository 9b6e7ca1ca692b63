import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { CrashingApp, mountCrashingMain } from "../../../frontend-shared/src/test/crashingMain";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";
import { LoginPage } from "./pages/Login";
import { RegisterPage } from "./pages/Register";
import { ResetPasswordPage } from "./pages/ResetPassword";
import { ChangePasswordPage } from "./pages/ChangePassword";
import { SessionsPage } from "./pages/Sessions";

const renderAt = renderInApp("/auth/");

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.clear();
});

describe("LoginPage", () => {
  it("validates before sending anything", async () => {
    renderAt("/auth/login", <LoginPage />);
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription("Enter your email address.");
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription("Enter your password.");
    await userEvent.type(screen.getByLabelText("Email"), "not-an-email");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription(/valid email/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the generic message for wrong credentials", async () => {
    fetchMock.mockResolvedValue(json(401, envelope("invalid_credentials")));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The email or password is incorrect.");
  });

  it("shows the retry time on 429", async () => {
    fetchMock.mockResolvedValue(json(429, envelope("rate_limited"), { "Retry-After": "12" }));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Try again in 12 s.");
  });

  it("shows when a locked account can try again", async () => {
    fetchMock.mockResolvedValue(json(423, envelope("account_locked", [{ field: "retryAfter", retryAfter: 300 }]), { "Retry-After": "300" }));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This account is locked. Try again in 5 min.");
  });

  it("sends a code typed with spaces or another script's digits as the six ASCII digits the server reads", async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required")))
      .mockResolvedValueOnce(json(200, { accessToken: "acc", refreshToken: "ref", tokenType: "bearer", expiresIn: 900 }));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.type(await screen.findByLabelText("Authentication code"), "١٢٣ ٤٥٦");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ email: "a@example.com", password: "secret-password", totpCode: "123456" });
  });

  it("asks for a TOTP code when MFA is required, then signs in", async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required")))
      .mockResolvedValueOnce(json(200, { accessToken: "acc", refreshToken: "ref", tokenType: "bearer", expiresIn: 900 }));
    renderAt("/auth/login?next=%2Fauth%2Fsessions", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const code = await screen.findByLabelText("Authentication code");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect(code).toHaveAccessibleDescription(/6-digit code/);
    await userEvent.type(code, "123456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/sessions"));
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ email: "a@example.com", password: "secret-password", totpCode: "123456" });
    expect(tokens.getAccessToken()).toBe("acc");
    // The refresh token stays in the HttpOnly cookie: nothing is written to web storage.
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
  });

  it("does not follow a next that browsers read as another host", async () => {
    const assign = vi.fn();
    const real = window.location;
    window.history.pushState(null, "", "/auth/login?next=%2F%09%2Fevil.example");
    vi.stubGlobal("location", { ...real, assign });
    try {
      fetchMock.mockResolvedValue(json(200, { accessToken: "acc", refreshToken: "ref", tokenType: "bearer", expiresIn: 900 }));
      renderAt("/auth/login?next=%2F%09%2Fevil.example", <LoginPage />);
      await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
      await userEvent.type(screen.getByLabelText("Password"), "secret-password");
      await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
      await waitFor(() => expect(tokens.getAccessToken()).toBe("acc"));
    } finally {
      vi.unstubAllGlobals();
    }
    expect(assign).not.toHaveBeenCalled();
    expect(real.pathname).toBe("/auth/");
  });

  it("can use a recovery code instead", async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required")))
      .mockResolvedValueOnce(json(401, envelope("invalid_mfa_code")));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.click(await screen.findByRole("button", { name: "Use a recovery code" }));
    await userEvent.type(screen.getByLabelText("Recovery code"), "abcd-efgh");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That code is not valid.");
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).recoveryCode).toBe("abcd-efgh");
  });

  it("offers a new verification link when the email is not verified", async () => {
    fetchMock.mockResolvedValue(json(403, envelope("email_not_verified")));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/verify your email/);
    expect(screen.getByRole("button", { name: "Send a new verification link" })).toBeInTheDocument();
  });

  it("moves focus to the error when the sign-in fails, keeping what was typed", async () => {
    fetchMock.mockResolvedValue(json(401, envelope("invalid_credentials")));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    await waitFor(() => expect(alert).toHaveFocus());
    expect(screen.getByLabelText("Email")).toHaveValue("a@example.com");
    expect(screen.getByLabelText("Password")).toHaveValue("secret-password");
  });

  it("marks Send a new verification link busy while the request runs", async () => {
    let answer!: (response: Response) => void;
    fetchMock
      .mockResolvedValueOnce(json(403, envelope("email_not_verified")))
      .mockReturnValueOnce(new Promise<Response>((resolve) => { answer = resolve; }));
    renderAt("/auth/login", <LoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "a@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "secret-password");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.click(await screen.findByRole("button", { name: "Send a new verification link" }));
    expect(screen.getByRole("button", { name: "Send a new verification link" })).toHaveAttribute("aria-busy", "true");
    answer(json(202, {}));
    expect(await screen.findByText(/a new verification link is on its way/)).toBeInTheDocument();
  });
});

describe("RegisterPage", () => {
  it("checks the password policy on the client", async () => {
    renderAt("/auth/register", <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Email"), "alice@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "short");
    await userEvent.type(screen.getByLabelText("Confirm password"), "other");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/at least 8 characters/);
    expect(screen.getByLabelText("Confirm password")).toHaveAccessibleDescription("The passwords do not match.");
    await userEvent.clear(screen.getByLabelText("Password"));
    await userEvent.type(screen.getByLabelText("Password"), "alice-rocks-2024");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/must not contain your email name/);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows 422 field details next to the fields", async () => {
    fetchMock.mockResolvedValue(
      json(422, envelope("validation_failed", [
        { field: "password", location: "body", message: "This password is too common", type: "value_error" },
        { field: "email", location: "body", message: "value is not a valid email address", type: "value_error" },
      ])),
    );
    renderAt("/auth/register", <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Email"), "bob@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "password123");
    await userEvent.type(screen.getByLabelText("Confirm password"), "password123");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/This password is too common/));
    expect(screen.getByLabelText("Email")).toHaveAccessibleDescription(/Value is not a valid email address/);
    expect(screen.getByRole("alert")).toHaveTextContent("Some fields need attention.");
  });

  it("confirms registration", async () => {
    fetchMock.mockResolvedValue(json(201, { id: "u1", email: "carol@example.com" }));
    renderAt("/auth/register", <RegisterPage />);
    await userEvent.type(screen.getByLabelText("Email"), "carol@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "correct horse battery");
    await userEvent.type(screen.getByLabelText("Confirm password"), "correct horse battery");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByText(/We sent a verification link/)).toBeInTheDocument();
  });
});

// The auth service names the body field that failed: newPassword on change and reset.
const weakNewPassword = () => json(422, envelope("weak_password", [{ field: "newPassword", rule: "common_password", message: "This password is too common" }]));

describe("weak_password under the new-password field", () => {
  it("on the reset page", async () => {
    fetchMock.mockResolvedValue(weakNewPassword());
    renderAt("/auth/reset-password?token=t1", <ResetPasswordPage />);
    await userEvent.type(screen.getByLabelText("New password"), "password1234");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "password1234");
    await userEvent.click(screen.getByRole("button", { name: "Set new password" }));
    await waitFor(() => expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(/This password is too common/));
    expect(screen.getByRole("alert")).toHaveTextContent("Choose a stronger password.");
    expect(screen.getByRole("alert")).not.toHaveTextContent("too common");
  });

  it("on the change-password page", async () => {
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockResolvedValue(weakNewPassword());
    renderAt("/auth/password", <ChangePasswordPage />);
    await userEvent.type(screen.getByLabelText("Current password"), "old-password-1");
    await userEvent.type(screen.getByLabelText("New password"), "password1234");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "password1234");
    await userEvent.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() => expect(screen.getByLabelText("New password")).toHaveAccessibleDescription(/This password is too common/));
    expect(screen.getByRole("alert")).not.toHaveTextContent("too common");
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ currentPassword: "old-password-1", newPassword: "password1234" });
  });
});

describe("SessionsPage", () => {
  const sessions = [
    { id: "s1", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", ip: "10.0.0.1", createdAt: "2026-01-01T00:00:00Z", lastUsedAt: null, current: true },
    { id: "s2", userAgent: "Mozilla/5.0 (iPhone) Safari/604.1", ip: "10.0.0.2", createdAt: "2026-01-01T00:00:00Z", lastUsedAt: null, current: false },
  ];
  const actions = () => fetchMock.mock.calls.filter(([, init]) => init.method !== "GET").map(([url, init]) => `${init.method} ${url}`);

  beforeEach(() => {
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => (init.method === "GET" ? json(200, { sessions }) : new Response(null, { status: 204 })));
  });

  it.each([
    ["Revoke", "Revoke this session?", /Safari on iOS at 10\.0\.0\.2/, "Revoke session", "DELETE /api/auth/sessions/s2", "/auth/sessions"],
    ["Sign out", "Sign out of this device?", /sign in again here/, "Sign out", "DELETE /api/auth/sessions/s1", "/auth/login"],
    ["Sign out of all sessions", "Sign out of all sessions?", /this one included/, "Sign out everywhere", "POST /api/auth/logout-all", "/auth/login"],
  ])("asks before %s, sends nothing when cancelled, and acts once confirmed", async (name, title, message, confirmLabel, call, finalPath) => {
    renderAt("/auth/sessions", <SessionsPage />);
    await userEvent.click(await screen.findByRole("button", { name }));
    const dialog = screen.getByRole("alertdialog", { name: title });
    expect(dialog).toHaveAccessibleDescription(message);
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(actions()).toEqual([]);
    await userEvent.click(screen.getByRole("button", { name }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: confirmLabel }));
    await waitFor(() => expect(actions()).toEqual([call]));
    await waitFor(() => expect(window.location.pathname).toBe(finalPath));
  });

  it("moves focus to the heading once a revoked row is gone, not to <body>", async () => {
    let left = sessions;
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      if (init.method === "GET") return json(200, { sessions: left });
      left = sessions.filter((session) => session.current);
      return new Response(null, { status: 204 });
    });
    renderAt("/auth/sessions", <SessionsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Revoke session" }));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Revoke" })).not.toBeInTheDocument());
    expect(screen.getByRole("heading", { level: 1, name: "Your sessions" })).toHaveFocus();
    expect(actions()).toEqual(["DELETE /api/auth/sessions/s2"]);
  });

  it("marks the button busy while its request runs", async () => {
    let answer = (_: Response) => {};
    fetchMock.mockImplementation((_url: string, init: RequestInit) => (init.method === "GET" ? Promise.resolve(json(200, { sessions })) : new Promise((resolve) => { answer = resolve; })));
    renderAt("/auth/sessions", <SessionsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Revoke session" }));
    expect(screen.getByRole("button", { name: "Revoke" })).toHaveAttribute("aria-busy", "true");
    answer(new Response(null, { status: 204 }));
    await waitFor(() => expect(screen.getByRole("button", { name: "Revoke" })).toHaveAttribute("aria-busy", "false"));
  });

  it("moves focus to the heading when signing out everywhere fails", async () => {
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => (init.method === "GET" ? json(200, { sessions }) : json(503, envelope("service_unavailable"))));
    renderAt("/auth/sessions", <SessionsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign out of all sessions" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Sign out everywhere" }));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "Your sessions" })).toHaveFocus());
    expect(window.location.pathname).toBe("/auth/sessions");
  });
});

describe("sign-out", () => {
  const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, mfaEnabled: false };
  const logouts = () => fetchMock.mock.calls.filter(([url]) => url === "/api/auth/logout");

  // Renders the app signed in, with POST logout answered by `logout`.
  async function signedIn(logout: () => Promise<Response>) {
    const { App } = await import("./App");
    tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
    fetchMock.mockImplementation(async (url: string) => (url === "/api/auth/logout" ? logout() : json(200, me)));
    window.history.pushState(null, "", "/auth/");
    render(<App />);
    await screen.findByText("a@example.com");
  }

  describe("with the browsers' focus fixup", () => {
    applyFocusFixup();
    it("hands focus back to Sign out when it fails (the button was disabled while it ran)", async () => {
      await signedIn(async () => json(503, envelope("service_unavailable")));
      await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
      expect(await screen.findByRole("alert")).toHaveTextContent("Signing out failed: you are still signed in.");
      await waitFor(() => expect(screen.getByRole("button", { name: "Sign out" })).toHaveFocus());
    });
  });

  it("marks Sign out busy while the sign-out runs", async () => {
    let answer = (_: Response) => {};
    await signedIn(() => new Promise((resolve) => { answer = resolve; }));
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(screen.getByRole("button", { name: "Sign out" })).toHaveAttribute("aria-busy", "true");
    answer(json(503, envelope("service_unavailable")));
    await waitFor(() => expect(screen.getByRole("button", { name: "Sign out" })).toHaveAttribute("aria-busy", "false"));
  });

  it.each([
    ["a 429", async () => json(429, envelope("rate_limited"), { "Retry-After": "30" }), /Try again in (30|29) s\./],
    ["a 503", async () => json(503, envelope("service_unavailable")), /temporarily unavailable/],
    ["no answer", () => Promise.reject(new TypeError("Failed to fetch")), /Cannot reach the server/],
  ])("stays signed in and says so after %s, and signs out when the retry succeeds", async (_, failure, message) => {
    let answer = failure;
    await signedIn(() => answer());
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Signing out failed: you are still signed in.");
    expect(alert).toHaveTextContent(message);
    expect(tokens.getAccessToken()).toBe("acc");
    expect(window.location.pathname).toBe("/auth/");
    answer = async () => new Response(null, { status: 204 });
    await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(window.location.pathname).toBe("/auth/login"));
    expect(tokens.getAccessToken()).toBeNull();
    expect(logouts()).toHaveLength(2);
  });

  it("counts a 401 as signed out: the session is already gone", async () => {
    const real = window.location;
    const assign = vi.fn();
    await signedIn(async () => json(401, envelope("session_revoked")));
    vi.stubGlobal("location", { ...real, assign });
    try {
      await userEvent.click(screen.getByRole("button", { name: "Sign out" }));
      await waitFor(() => expect(real.pathname).toBe("/auth/login"));
    } finally {
      vi.unstubAllGlobals();
      vi.stubGlobal("fetch", fetchMock);
    }
    expect(tokens.getAccessToken()).toBeNull();
    expect(screen.queryByText(/Signing out failed/)).toBeNull();
  });
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
