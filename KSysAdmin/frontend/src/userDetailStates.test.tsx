import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { adminRoles, tokens } from "./api";
import { UserDetailPage } from "./pages/UserDetail";

// The user detail against the account's real state: what the API accepts, what an action left behind when it failed,
// what an account returns to, and the signed-in admin's own account.
const fetchMock = adminPageTests();

const user = { id: "u1", email: "lost@example.com", status: "active", roles: ["user"], displayName: null, emailVerifiedAt: "2026-01-01T00:00:00Z",
  lockedUntil: null, mfaEnabled: true, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", deletedAt: null,
  sessions: [], paymentSummary: { total: 0, byStatus: {}, paidAmount: 0 }, recentAudit: [] };
const ahead = () => new Date(Date.now() + 600_000).toISOString();
// A JWT-shaped admin token for user `sub` (the console reads the claim, the server checks it).
const signInAs = (sub: string) => tokens.setTokens({ accessToken: `h.${btoa(JSON.stringify({ sub })).replace(/=+$/, "")}.s`, expiresIn: 900 });

// GET answers the stored user; a POST or PUT changes it with `change` (when given) and answers `answer`.
function serve(stored: object, answer: Response, change?: object) {
  let current = stored;
  fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
    if (init.method === "GET") return json(200, current);
    if (change) current = { ...current, ...change };
    return answer.clone();
  });
}

async function ask(name: string) {
  await userEvent.click(await screen.findByRole("button", { name }));
  return screen.getByRole("alertdialog");
}

const gets = () => fetchMock.mock.calls.filter(([, init]) => init.method === "GET");

describe("user detail against the account's state", () => {
  // The API ends a lockout from failed sign-ins only for an active or unverified account (LOCKOUT_ENDABLE).
  it("offers no End lockout for a disabled account, whose unlock the API refuses", async () => {
    serve({ ...user, status: "disabled", lockedUntil: ahead() }, json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("button", { name: "Enable" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "End lockout" })).not.toBeInTheDocument();
  });

  // Lock, disable and the two-factor reset commit before removing the session keys (503 after the change); a 409 means
  // the account changed under the page. The page reloads, so it shows the state the server holds.
  it.each([
    ["Lock", "Lock account", json(503, envelope("session_keys_not_removed")), { status: "locked" }, "Locked", "Unlock"],
    ["Disable", "Disable account", json(409, envelope("invalid_status_transition")), { status: "disabled" }, "Disabled", "Enable"],
    ["Unlock", "Unlock account", json(409, envelope("invalid_status_transition")), { status: "disabled" }, "Disabled", "Enable"],
  ])("reloads the user after %s fails, and shows the state the server holds", async (name, confirmLabel, answer, change, badge, next) => {
    serve({ ...user, status: name === "Unlock" ? "locked" : "active" }, answer, change);
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask(name)).getByRole("button", { name: confirmLabel }));
    await waitFor(() => expect(screen.getByTestId("user-status")).toHaveTextContent(badge));
    expect(screen.getByRole("button", { name: next })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toBeInTheDocument();
    expect(gets()).toHaveLength(2);
  });

  it("reloads the user after a two-factor reset that answered 503 once it turned two-factor off", async () => {
    serve(user, json(503, envelope("session_keys_not_removed")), { mfaEnabled: false });
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(within(await ask("Reset two-factor")).getByRole("button", { name: "Reset two-factor" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/Done, but Redis could not be updated/);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Reset two-factor" })).not.toBeInTheDocument());
    expect(screen.getByText("Off")).toBeInTheDocument();
  });

  it("names the last superadmin when a roles save would demote them", async () => {
    adminRoles.set(["admin", "superadmin"]);
    serve({ ...user, roles: ["superadmin"] }, json(409, envelope("last_superadmin")));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(await screen.findByRole("checkbox", { name: "admin" }));
    await userEvent.click(screen.getByRole("checkbox", { name: "superadmin" }));
    await userEvent.click(within(await ask("Save roles")).getByRole("button", { name: "Save roles" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This is the last superadmin: make another account superadmin before removing it.");
  });

  // nextStatus: an unlock or enable returns an unverified account to pending verification, which cannot sign in yet.
  it.each([
    ["Unlock", "locked", "2026-01-01T00:00:00Z", /They can sign in again at once\./],
    ["Unlock", "locked", null, /returns to pending verification: they can sign in once they verify their email address\./],
    ["Enable", "disabled", "2026-01-01T00:00:00Z", /They can sign in again at once\./],
    ["Enable", "disabled", null, /returns to pending verification: they can sign in once they verify their email address\./],
  ])("says what %s of a %s account verified at %s lets them do", async (name, status, emailVerifiedAt, expected) => {
    serve({ ...user, status, emailVerifiedAt }, json(200, user));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await ask(name)).toHaveAccessibleDescription(expected);
  });

  it("offers Revoke all sessions for an account with only a deletion time, as the API allows, and claims no erasure", async () => {
    adminRoles.set(["admin", "superadmin"]);
    serve({ ...user, status: "disabled", deletedAt: "2026-02-01T00:00:00Z" }, json(200, { revokedSessions: 2, removedSessionKeys: 2 }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    const note = await screen.findByTestId("deleted-account");
    expect(note).not.toHaveTextContent(/erased/);
    expect(note).toHaveTextContent(/can no longer be changed, but its sessions can still be revoked/);
    for (const name of ["Lock", "Unlock", "Disable", "Enable", "Reset two-factor", "Save roles"]) expect(screen.queryByRole("button", { name })).toBeNull();
    await userEvent.click(within(await ask("Revoke all sessions")).getByRole("button", { name: "Revoke all sessions" }));
    expect(await screen.findByText("All sessions of this user were revoked.")).toBeInTheDocument();
    expect(fetchMock.mock.calls.find(([, init]) => init.method === "POST")![0]).toBe("/api/admin/users/u1/sessions/revoke");
  });
});

describe("the signed-in admin's own account", () => {
  const me = { ...user, roles: ["user", "admin", "superadmin"] };

  it("warns before revoking their own sessions, which ends this console session, and not for another account", async () => {
    signInAs("u1");
    serve(me, json(200, { revokedSessions: 1, removedSessionKeys: 1 }));
    const view = renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await ask("Revoke all sessions")).toHaveAccessibleDescription(/This is your own account: this console session ends too/);
    view.unmount();
    signInAs("u2");
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await ask("Revoke all sessions")).not.toHaveAccessibleDescription(/your own account/);
  });

  // The API refuses lock, unlock (and so End lockout), disable, enable and the two-factor reset on the caller's own
  // account (409 cannot_target_self): the page offers none of them there and says another admin has to.
  it.each([
    ["active, locked out after failed sign-ins", { status: "active", lockedUntil: ahead() }],
    ["locked", { status: "locked" }],
    ["disabled", { status: "disabled" }],
  ])("offers only what the API accepts on their own %s account", async (_state, change) => {
    signInAs("u1");
    adminRoles.set(["admin", "superadmin"]);
    serve({ ...me, ...change }, json(200, me));
    const view = renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByTestId("own-account")).toHaveTextContent("This is your own account: another admin has to change its status or reset its two-factor authentication.");
    for (const name of ["Lock", "Unlock", "End lockout", "Disable", "Enable", "Reset two-factor"]) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.getByRole("button", { name: "Revoke all sessions" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Save roles" })).toBeInTheDocument();
    view.unmount();
    signInAs("u2");
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("button", { name: "Reset two-factor" })).toBeInTheDocument();
    expect(screen.queryByTestId("own-account")).toBeNull();
  });

  it.each([
    [["superadmin"], /This is your own account: without superadmin you can no longer change roles or settings\./],
    [["admin", "superadmin"], /This is your own account: without admin or superadmin you can no longer use the admin console\./],
  ])("warns before a roles save that removes their own %s", async (removed, expected) => {
    signInAs("u1");
    adminRoles.set(["admin", "superadmin"]);
    serve(me, json(200, me));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await ask("Save roles")).not.toHaveAccessibleDescription(/your own account/);
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel" }));
    for (const role of removed) await userEvent.click(screen.getByRole("checkbox", { name: role }));
    expect(await ask("Save roles")).toHaveAccessibleDescription(expected);
  });
});
