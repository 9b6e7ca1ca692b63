import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";
import { ResetPasswordPage } from "./pages/ResetPassword";
import { VerifyEmailPage } from "./pages/VerifyEmail";

// The pages the mailed links open: their one-time token leaves the address bar at once.
const renderAt = renderInApp("/auth/");

const fetchMock = stubFetch();
// The auth service's 422 for a token it cannot take (over 256 characters, a NUL): no field on the page shows it.
const tokenTooLong = { field: "token", location: "body", message: "String should have at most 256 characters", type: "string_too_long" };
beforeEach(() => {
  tokens.clear();
});

describe("ResetPasswordPage", () => {
  it("takes the token out of the address bar at once, still sends it, and explains an already-used link", async () => {
    fetchMock.mockResolvedValue(json(400, envelope("invalid_token")));
    renderAt("/auth/reset-password?token=t1", <ResetPasswordPage />);
    expect(window.location.href).toBe(`${window.location.origin}/auth/reset-password`);
    await userEvent.type(screen.getByLabelText("New password"), "a-new-long-password");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "a-new-long-password");
    await userEvent.click(screen.getByRole("button", { name: "Set new password" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/invalid, already used or expired/);
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ token: "t1", newPassword: "a-new-long-password" });
  });

  it("after a reload (the token already out of the URL) asks to open the emailed link again and sends nothing", async () => {
    const first = renderAt("/auth/reset-password?token=t1", <ResetPasswordPage />);
    first.unmount();
    renderAt(window.location.pathname + window.location.search, <ResetPasswordPage />);
    expect(screen.getByText(/Open the link in your email again/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "ask for a new reset link" })).toHaveAttribute("href", "/auth/forgot-password");
    expect(screen.queryByLabelText("New password")).not.toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("says the link is broken when the server refuses the token itself (422 on token: too long, a NUL)", async () => {
    fetchMock.mockResolvedValue(json(422, envelope("validation_failed", [tokenTooLong])));
    renderAt("/auth/reset-password?token=t1", <ResetPasswordPage />);
    await userEvent.type(screen.getByLabelText("New password"), "a-new-long-password");
    await userEvent.type(screen.getByLabelText("Confirm new password"), "a-new-long-password");
    await userEvent.click(screen.getByRole("button", { name: "Set new password" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This reset link is invalid, already used or expired. Ask for a new one.");
    expect(alert).not.toHaveTextContent("Some fields need attention");
    expect(alert).toHaveFocus();
  });
});

describe("VerifyEmailPage", () => {
  it("says the link is broken when the server refuses the token itself (422 on token), not which field failed", async () => {
    fetchMock.mockResolvedValue(json(422, envelope("validation_failed", [tokenTooLong])));
    renderAt("/auth/verify-email?token=v1", <VerifyEmailPage />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("This verification link is invalid, already used or expired. Ask for a new one below.");
    expect(alert).not.toHaveTextContent(/Some fields need attention|at most 256/);
  });

  it("after a reload (the token already out of the URL) asks to open the emailed link again and sends nothing", async () => {
    fetchMock.mockResolvedValue(json(200, {}));
    const first = renderAt("/auth/verify-email?token=v1", <VerifyEmailPage />);
    await screen.findByText("Your email address is verified.");
    first.unmount();
    fetchMock.mockClear();
    renderAt(window.location.pathname + window.location.search, <VerifyEmailPage />);
    expect(screen.getByText(/Open the link in your email again/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Send a new link" })).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("takes the token out of the address bar at once, and still sends it", async () => {
    fetchMock.mockResolvedValue(json(200, {}));
    renderAt("/auth/verify-email?token=v1", <VerifyEmailPage />);
    expect(window.location.href).toBe(`${window.location.origin}/auth/verify-email`);
    expect(await screen.findByText("Your email address is verified.")).toBeInTheDocument();
    expect(fetchMock.mock.calls[0][0]).toBe("/api/auth/verify-email");
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ token: "v1" });
  });

  describe("when the verify request fails for a transient reason", () => {
    applyFocusFixup();
    const sentTokens = () => fetchMock.mock.calls.filter(([url]) => url === "/api/auth/verify-email").map(([, init]) => JSON.parse(init.body).token);

    it.each([
      ["a 503", () => json(503, envelope("service_unavailable"))],
      ["a 429", () => json(429, envelope("rate_limited"), { "Retry-After": "5" })],
      ["no answer", () => Promise.reject(new TypeError("Failed to fetch"))],
    ])("after %s, Try again sends the same token again and reaches the verified notice", async (_, failure) => {
      fetchMock.mockImplementationOnce(failure).mockResolvedValue(json(200, {}));
      renderAt("/auth/verify-email?token=v1", <VerifyEmailPage />);
      await userEvent.click(await screen.findByRole("button", { name: "Try again" }));
      const notice = (await screen.findByText("Your email address is verified.")).closest<HTMLElement>("[role=status]")!;
      expect(sentTokens()).toEqual(["v1", "v1"]);
      expect(window.location.search).toBe("");
      await waitFor(() => expect(notice).toHaveFocus());
    });

    it("offers no Try again when the link itself is refused", async () => {
      fetchMock.mockResolvedValue(json(400, envelope("token_invalid_or_used")));
      renderAt("/auth/verify-email?token=v1", <VerifyEmailPage />);
      expect(await screen.findByRole("alert")).toHaveTextContent("This verification link is invalid");
      expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
    });
  });
});
