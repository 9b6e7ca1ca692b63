import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { adminRoles } from "./api";
import { UserDetailPage } from "./pages/UserDetail";
import { UsersPage } from "./pages/Users";

// An account its holder deleted: status "deleted" in the admin API, and 409 account_deleted to every admin change.
const fetchMock = adminPageTests();
afterEach(() => {
  adminRoles.set([]);
});

const user = { id: "u1", email: "gone@example.com", status: "active", roles: ["user"], displayName: null, emailVerifiedAt: "2026-01-01T00:00:00Z",
  lockedUntil: null, mfaEnabled: true, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", deletedAt: null,
  sessions: [], paymentSummary: { total: 1, byStatus: { paid: 1 }, paidAmount: 15000 }, recentAudit: [] };
const deleted = { ...user, status: "deleted", displayName: null, mfaEnabled: false, deletedAt: "2026-02-01T00:00:00Z" };
const ACTIONS = ["Lock", "Unlock", "End lockout", "Disable", "Enable", "Revoke all sessions", "Reset two-factor", "Save roles"];

describe("a deleted user", () => {
  it("reads Deleted in the users list, whose status filter offers it and then asks for deleted accounts", async () => {
    fetchMock.mockResolvedValue(json(200, { items: [{ ...deleted, email: "" }, { ...user, id: "u2" }], nextCursor: null }));
    renderAt("/admin/users", <UsersPage />);
    const rows = within(await screen.findByRole("table")).getAllByRole("row").slice(1);
    expect(within(rows[0]).getByRole("link", { name: "Deleted account" })).toHaveAttribute("href", "/admin/users/u1");
    expect(within(rows[0]).getByText("Deleted")).toHaveClass("badge-deleted");
    expect(within(rows[1]).getByText("Active")).toHaveClass("badge-active");
    expect(fetchMock.mock.calls[0][0]).toBe("/api/admin/users?limit=50");
    await userEvent.selectOptions(screen.getByLabelText("Status"), "Deleted");
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/users?status=deleted&includeDeleted=true&limit=50");
  });

  it("reads Deleted on its page, which offers no action and says why", async () => {
    adminRoles.set(["admin", "superadmin"]);
    fetchMock.mockResolvedValue(json(200, deleted));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByTestId("user-status")).toHaveTextContent("Deleted");
    expect(screen.getByTestId("deleted-account")).toHaveTextContent(/The user deleted this account: its email, name and phone number are erased/);
    for (const name of ACTIONS) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.queryByRole("checkbox")).toBeNull();
    // What is kept stays readable.
    expect(screen.getByRole("link", { name: "browse" })).toHaveAttribute("href", "/admin/payments?userId=u1");
  });

  it.each([
    ["Lock", "Lock account", () => undefined],
    ["Save roles", "Save roles", () => adminRoles.set(["admin", "superadmin"])],
  ])("says so when %s meets an account deleted meanwhile, and shows it deleted", async (name, confirmLabel, signIn) => {
    signIn();
    let stored: object = user;
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      if (init.method !== "GET") {
        stored = deleted;
        return json(409, envelope("account_deleted"));
      }
      return json(200, stored);
    });
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    await userEvent.click(await screen.findByRole("button", { name }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: confirmLabel }));
    // The reload moves Save roles' error from the roles editor to the deleted account's section: read it after.
    await waitFor(() => expect(screen.getByTestId("user-status")).toHaveTextContent("Deleted"));
    for (const action of ACTIONS) expect(screen.queryByRole("button", { name: action })).toBeNull();
    const alert = screen.getByText("The user deleted this account, so it can no longer be changed.");
    expect(alert.closest("[role=alert]")).toBeInTheDocument();
  });
});
