import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { adminRoles } from "./api";

// The user detail page's actions (two-factor reset, lock, roles...), each behind a confirmation.
const fetchMock = adminPageTests();

describe("user detail", () => {
  const user = { id: "u1", email: "lost@example.com", status: "active", roles: ["user"], displayName: null, emailVerifiedAt: "2026-01-01T00:00:00Z",
    lockedUntil: null, mfaEnabled: true, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", deletedAt: null,
    sessions: [], paymentSummary: { total: 0, byStatus: {}, paidAmount: 0 }, recentAudit: [] };

  // Presses `name` and returns the confirmation dialog it opened.
  async function ask(name: string) {
    await userEvent.click(await screen.findByRole("button", { name }));
    return screen.getByRole("alertdialog");
  }

  it("resets two-factor after a confirmation and reloads the user", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock
      .mockResolvedValueOnce(json(200, user))
      .mockResolvedValueOnce(json(200, { ...user, mfaEnabled: false, sessions: undefined }))
      .mockResolvedValueOnce(json(200, { ...user, mfaEnabled: false }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const dialog = await ask("Reset two-factor");
    expect(dialog).toHaveAccessibleName("Reset two-factor authentication?");
    expect(dialog).toHaveAccessibleDescription(/lost@example\.com\? Their recovery codes are deleted/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await userEvent.click(within(dialog).getByRole("button", { name: "Reset two-factor" }));
    expect(await screen.findByText("Two-factor authentication was turned off and all sessions were revoked.")).toBeInTheDocument();
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/users/u1/mfa/reset");
    expect(fetchMock.mock.calls[1][1].method).toBe("POST");
    await waitFor(() => expect(screen.queryByRole("button", { name: "Reset two-factor" })).not.toBeInTheDocument());
    expect(screen.getByText("Off")).toBeInTheDocument();
  });

  it("sends nothing when the confirmation is declined, and offers no reset while two-factor is off", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock.mockResolvedValueOnce(json(200, user));
    const view = renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask("Reset two-factor")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    view.unmount();
    fetchMock.mockResolvedValueOnce(json(200, { ...user, mfaEnabled: false }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByText("Off")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Reset two-factor" })).not.toBeInTheDocument();
  });

  it.each([
    ["Lock", "Lock account", "/api/admin/users/u1/lock", "active"],
    ["Disable", "Disable account", "/api/admin/users/u1/disable", "active"],
    ["Revoke all sessions", "Revoke all sessions", "/api/admin/users/u1/sessions/revoke", "active"],
    ["Unlock", "Unlock account", "/api/admin/users/u1/unlock", "locked"],
    ["Enable", "Enable account", "/api/admin/users/u1/enable", "disabled"],
  ])("asks before %s, sends nothing on Escape, and sends once when confirmed", async (name, confirmLabel, url, status) => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock.mockImplementation(async () => json(200, { ...user, status }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const opener = await screen.findByRole("button", { name });
    expect(await ask(name)).toHaveAccessibleDescription(/lost@example\.com/);
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(opener).toHaveFocus();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await userEvent.click(within(await ask(name)).getByRole("button", { name: confirmLabel }));
    await waitFor(() => expect(fetchMock.mock.calls[1][0]).toBe(url));
    expect(fetchMock.mock.calls.filter(([, init]) => init.method === "POST")).toHaveLength(1);
  });

  // A lockout from failed sign-ins (lockedUntil ahead) on an active account is ended with the unlock call; a past
  // lockedUntil offers nothing.
  it("ends a sign-in lockout of an active account after a confirmation, and offers it only while it lasts", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    const lockedOut = { ...user, lockedUntil: new Date(Date.now() + 600_000).toISOString() };
    fetchMock.mockResolvedValueOnce(json(200, lockedOut)).mockResolvedValueOnce(json(200, { ...user, sessions: undefined }))
      .mockResolvedValueOnce(json(200, user));
    const view = renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const dialog = await ask("End lockout");
    expect(dialog).toHaveAccessibleDescription(/lost@example\.com after failed sign-ins/);
    await userEvent.click(within(dialog).getByRole("button", { name: "End lockout" }));
    expect(await screen.findByText("The sign-in lockout was ended.")).toHaveFocus();
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/users/u1/unlock");
    await waitFor(() => expect(screen.queryByRole("button", { name: "End lockout" })).not.toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Lock" })).toBeInTheDocument();
    view.unmount();
    fetchMock.mockResolvedValueOnce(json(200, { ...user, lockedUntil: new Date(Date.now() - 60_000).toISOString() }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("button", { name: "Lock" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "End lockout" })).not.toBeInTheDocument();
  });

  // Ending a lockout does not let an unverified account sign in: the confirmation says what still stands. A disabled
  // account offers no End lockout (userDetailStates.test.tsx).
  it.each([
    ["pending_verification", /can sign in once they verify their email address/],
    ["active", /They can sign in again at once/],
  ])("says what ending the lockout of a %s account allows", async (status, expected) => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock.mockResolvedValueOnce(json(200, { ...user, status, lockedUntil: new Date(Date.now() + 600_000).toISOString() }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const dialog = await ask("End lockout");
    expect(dialog).toHaveAccessibleDescription(expected);
  });

  // lockedUntil is the server's time: with the browser clock 10 minutes slow, a lockout that ended 5 minutes ago on the
  // server offers nothing, though the browser's clock puts its end 5 minutes ahead.
  it("judges a lockout's end by the server's clock", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    const ended = { ...user, lockedUntil: new Date(Date.now() + 300_000).toISOString() };
    fetchMock.mockImplementation(async () => json(200, ended, { Date: new Date(Date.now() + 600_000).toUTCString() }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("button", { name: "Lock" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "End lockout" })).not.toBeInTheDocument();
  });

  // The button pressed is disabled while the call runs and, after the reload, often gone (Lock becomes Unlock).
  it.each([
    ["Lock", "Lock account", "active", "locked", "User locked.", "Unlock"],
    ["Disable", "Disable account", "active", "disabled", "User disabled.", "Enable"],
    ["Revoke all sessions", "Revoke all sessions", "active", "active", "All sessions of this user were revoked.", null],
    ["Unlock", "Unlock account", "locked", "active", "User unlocked.", "Lock"],
    ["Enable", "Enable account", "disabled", "active", "User enabled.", "Disable"],
    ["Reset two-factor", "Reset two-factor", "active", "active", "Two-factor authentication was turned off and all sessions were revoked.", null],
  ])("after %s, focus goes to the notice, not to <body>", async (name, confirmLabel, status, after, notice, next) => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock
      .mockResolvedValueOnce(json(200, { ...user, status }))
      .mockResolvedValueOnce(json(200, { ...user, status: after, mfaEnabled: false }))
      .mockResolvedValueOnce(json(200, { ...user, status: after, mfaEnabled: false }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask(name)).getByRole("button", { name: confirmLabel }));
    const shown = await screen.findByText(notice);
    await waitFor(() => expect(shown).toHaveFocus());
    expect(shown).toHaveAttribute("role", "status");
    if (next) expect(await screen.findByRole("button", { name: next })).toBeInTheDocument();
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3));
    expect(shown).toHaveFocus();
  });

  it("sums up the payments without an empty breakdown for a user who has none", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock.mockResolvedValueOnce(json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByText(/^0 total, Rp\s?0 paid/)).toBeInTheDocument();
  });

  it("links the user's audit entries by target type and id, which the target index serves", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock.mockResolvedValueOnce(json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const link = await screen.findByRole("link", { name: "All audit entries for this user" });
    expect(link.getAttribute("href")).toMatch(/\/audit\?targetType=user&targetId=u1$/);
  });

  it("moves focus to the heading when a confirmed action fails", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    // The failed action is followed by a reload of the user.
    fetchMock.mockResolvedValueOnce(json(200, user)).mockResolvedValueOnce(json(409, envelope("cannot_target_self"))).mockResolvedValueOnce(json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask("Disable")).getByRole("button", { name: "Disable account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You cannot do this to your own account.");
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "lost@example.com" })).toHaveFocus());
  });

  it("marks the action buttons busy while a confirmed action runs", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    let answer = (_: Response) => {};
    fetchMock.mockResolvedValueOnce(json(200, user)).mockImplementationOnce(() => new Promise((resolve) => { answer = resolve; }))
      .mockResolvedValueOnce(json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask("Lock")).getByRole("button", { name: "Lock account" }));
    for (const name of ["Lock", "Disable", "Revoke all sessions", "Reset two-factor"]) expect(screen.getByRole("button", { name })).toHaveAttribute("aria-busy", "true");
    answer(json(409, envelope("cannot_target_self")));
    await waitFor(() => expect(screen.getByRole("button", { name: "Lock" })).toHaveAttribute("aria-busy", "false"));
  });

  it("shows the roles editor to a superadmin only, and asks before saving", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    adminRoles.set(["admin"]);
    fetchMock.mockImplementation(async () => json(200, user));
    const view = renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByTestId("user-roles")).toHaveTextContent("user");
    expect(screen.queryByRole("button", { name: "Save roles" })).not.toBeInTheDocument();
    expect(screen.queryByRole("checkbox", { name: "admin" })).not.toBeInTheDocument();
    view.unmount();

    adminRoles.set(["admin", "superadmin"]);
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(await screen.findByRole("checkbox", { name: "admin" }));
    const dialog = await ask("Save roles");
    expect(dialog).toHaveAccessibleDescription(/to user, admin\?/);
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(fetchMock.mock.calls.filter(([, init]) => init.method === "PUT")).toHaveLength(0);
    await userEvent.click(within(await ask("Save roles")).getByRole("button", { name: "Save roles" }));
    const saved = await screen.findByText("Roles saved.");
    await waitFor(() => expect(saved).toHaveFocus());
    const put = fetchMock.mock.calls.find(([, init]) => init.method === "PUT")!;
    expect(put[0]).toBe("/api/admin/users/u1/roles");
    expect(JSON.parse(put[1].body)).toEqual({ roles: ["user", "admin"] });
  });

  it("does not offer to save an account without roles, as the server refuses it", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    adminRoles.set(["admin", "superadmin"]);
    fetchMock.mockImplementation(async () => json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(await screen.findByRole("checkbox", { name: "user" }));
    const save = screen.getByRole("button", { name: "Save roles" });
    expect(save).toBeDisabled();
    expect(save).toHaveAccessibleDescription("An account keeps at least one role.");
    await userEvent.click(screen.getByRole("checkbox", { name: "admin" }));
    expect(screen.getByRole("button", { name: "Save roles" })).toBeEnabled();
    expect(fetchMock.mock.calls.filter(([, init]) => init.method === "PUT")).toHaveLength(0);
  });

  it("shows a failed reload after an action next to the data it could not refresh", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    fetchMock
      .mockResolvedValueOnce(json(200, user))
      .mockResolvedValueOnce(json(200, { ...user, status: "locked" }))
      .mockResolvedValueOnce(json(503, envelope("service_unavailable")));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask("Lock")).getByRole("button", { name: "Lock account" }));
    expect(await screen.findByText("User locked.")).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent(/Reloading the user failed, so the details below may be out of date/);
    expect(screen.getByTestId("user-status")).toHaveTextContent("Active");
  });

  it("keeps role changes not saved yet through the reload after another action, then saves them", async () => {
    const { UserDetailPage } = await import("./pages/UserDetail");
    adminRoles.set(["admin", "superadmin"]);
    // The server's user: Lock and Save roles change it, every answer shows it.
    let stored = user;
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/lock")) stored = { ...stored, status: "locked" };
      if (init.method === "PUT") stored = { ...stored, roles: JSON.parse(String(init.body)).roles };
      return json(200, stored);
    });
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const admin = await screen.findByRole("checkbox", { name: "admin" });
    await userEvent.click(admin);
    await userEvent.click(within(await ask("Lock")).getByRole("button", { name: "Lock account" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(screen.getByTestId("user-status")).toHaveTextContent("Locked"));
    expect(admin).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "user" })).toBeChecked();

    await userEvent.click(within(await ask("Save roles")).getByRole("button", { name: "Save roles" }));
    expect(await screen.findByText("Roles saved.")).toBeInTheDocument();
    const put = fetchMock.mock.calls.find(([, init]) => init.method === "PUT")!;
    expect(JSON.parse(put[1].body)).toEqual({ roles: ["user", "admin"] });
    expect(screen.getByTestId("user-roles")).toHaveTextContent("user, admin");
    expect(admin).toBeChecked();
  });
});
