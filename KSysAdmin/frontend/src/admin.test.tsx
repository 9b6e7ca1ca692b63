import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { Link } from "@kservices/shared";
import { CrashingApp, mountCrashingMain } from "../../../frontend-shared/src/test/crashingMain";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { tokens } from "./api";
import { BarChart } from "./charts";
import { AdminLoginPage } from "./pages/Login";
import { PaymentsPage } from "./pages/Payments";
import { CorsEditor, RateLimitEditor, validateOrigins } from "./pages/Settings";
import { UsersPage } from "./pages/Users";
import { rateLimits } from "./rateLimitStubs";

const fetchMock = adminPageTests();

describe("admin login", () => {
  it("keeps the admin token in memory only", async () => {
    tokens.clear();
    fetchMock.mockResolvedValue(json(200, { accessToken: "adm", refreshToken: "should-not-be-stored", tokenType: "bearer", expiresIn: 600 }));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "root@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(tokens.getAccessToken()).toBe("adm"));
    expect(fetchMock.mock.calls[0][0]).toBe("/api/admin/auth/login");
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
  });

  it("asks for the authenticator code after mfa_required, then sends it", async () => {
    tokens.clear();
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required", [{ field: "totpCode", message: "required" }])))
      .mockResolvedValueOnce(json(200, { accessToken: "adm", tokenType: "bearer", expiresIn: 600, roles: ["admin"] }));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "root@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ email: "root@example.com", password: "very-secret-pass" });
    await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(tokens.getAccessToken()).toBe("adm"));
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ email: "root@example.com", password: "very-secret-pass", totpCode: "123456" });
  });

  it("sends an authenticator code typed in fullwidth digits or with a space as ASCII digits", async () => {
    tokens.clear();
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required")))
      .mockResolvedValueOnce(json(200, { accessToken: "adm", tokenType: "bearer", expiresIn: 600, roles: ["admin"] }));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "root@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.type(await screen.findByLabelText("Authentication code"), "１２３ ４５６");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(tokens.getAccessToken()).toBe("adm"));
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ email: "root@example.com", password: "very-secret-pass", totpCode: "123456" });
  });

  it("can use a recovery code instead", async () => {
    tokens.clear();
    fetchMock
      .mockResolvedValueOnce(json(401, envelope("mfa_required")))
      .mockResolvedValueOnce(json(401, envelope("invalid_mfa_code")));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "root@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await userEvent.click(await screen.findByRole("button", { name: "Use a recovery code" }));
    await userEvent.type(screen.getByLabelText("Recovery code"), "abcde-12345");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("That code is not valid.");
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).recoveryCode).toBe("abcde-12345");
    expect(tokens.getAccessToken()).toBeNull();
  });

  it("says when the account is not an admin", async () => {
    tokens.clear();
    fetchMock.mockResolvedValue(json(403, envelope("permission_denied")));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "user@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This account is not an administrator.");
  });

  it("sends an admin without two-factor authentication to turn it on in the account app", async () => {
    tokens.clear();
    fetchMock.mockResolvedValue(json(403, envelope("mfa_enrollment_required")));
    renderAt("/admin/login", <AdminLoginPage />);
    await userEvent.type(screen.getByLabelText("Email"), "admin@example.com");
    await userEvent.type(screen.getByLabelText("Password"), "very-secret-pass");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/turn on two-factor authentication there/);
    expect(screen.getByRole("link", { name: "Turn on two-factor authentication in your account" })).toHaveAttribute("href", "/auth/mfa");
    expect(tokens.getAccessToken()).toBeNull();
  });
});

describe("users table", () => {
  it("searches by email prefix with filters and pages with the cursor", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [{ id: "u1", email: "alice@example.com", status: "active", roles: ["user"], createdAt: "2026-01-01T00:00:00Z" }], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [{ id: "u2", email: "alice2@example.com", status: "locked", roles: ["user"], createdAt: "2026-01-02T00:00:00Z" }], nextCursor: null }));
    renderAt("/admin/users?q=alice&status=active", <UsersPage />);
    expect(await screen.findByRole("link", { name: "alice@example.com" })).toHaveAttribute("href", "/admin/users/u1");
    expect(fetchMock.mock.calls[0][0]).toBe("/api/admin/users?emailPrefix=alice&status=active&limit=50");
    expect(fetchMock.mock.calls[0][1].headers.Authorization).toBe("Bearer admin-token");
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "alice2@example.com" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/users?emailPrefix=alice&status=active&cursor=c2&limit=50");
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });
});

describe("payments table", () => {
  it("puts trimmed filters in the URL, starts again at page one, and pages back", async () => {
    const item = (id: string) => ({ id, userId: "u1", userEmail: "a@example.com", amount: 15000, method: "briva", status: "paid", createdAt: "2026-01-01T00:00:00Z", paidAt: null, flaggedReason: null, virtualAccountNo: null });
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [item("p2")], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p3")], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p4")], nextCursor: null }));
    renderAt("/admin/payments?method=qris", <PaymentsPage />);
    expect(await screen.findByRole("link", { name: "p1" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[0][0]).toBe("/api/admin/payments?method=qris&limit=50");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "p2" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/payments?method=qris&cursor=c2&limit=50");
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByRole("link", { name: "p3" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[2][0]).toBe("/api/admin/payments?method=qris&limit=50");
    await userEvent.type(screen.getByLabelText("User id"), "  u9  ");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(await screen.findByRole("link", { name: "p4" })).toBeInTheDocument();
    expect(window.location.search).toBe("?method=qris&userId=u9");
    expect(fetchMock.mock.calls[3][0]).toBe("/api/admin/payments?method=qris&userId=u9&limit=50");
  });
});

describe("list state after a navigation", () => {
  it("goes back to the first page and shows the URL's filters when a link leaves a filtered second page", async () => {
    const item = (id: string) => ({ id, userId: "u1", userEmail: "a@example.com", amount: 15000, method: "qris", status: "paid", createdAt: "2026-01-01T00:00:00Z", paidAt: null, flaggedReason: null, virtualAccountNo: null });
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [item("p2")], nextCursor: "c3" }))
      .mockResolvedValueOnce(json(200, { items: [item("p3")], nextCursor: null }));
    renderAt("/admin/payments?method=qris", <><Link to="/payments">All payments</Link><PaymentsPage /></>);
    await userEvent.click(await screen.findByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "p2" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("User id"), "u9");
    await userEvent.click(screen.getByRole("link", { name: "All payments" }));
    expect(await screen.findByRole("link", { name: "p3" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[2][0]).toBe("/api/admin/payments?limit=50");
    expect(screen.getByLabelText("Method")).toHaveValue("");
    expect(screen.getByLabelText("User id")).toHaveValue("");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
  });

  it("shows a failed filter's error alone, without the rows of the previous filter", async () => {
    const item = (id: string) => ({ id, userId: "u1", userEmail: "a@example.com", amount: 15000, method: "qris", status: "paid", createdAt: "2026-01-01T00:00:00Z", paidAt: null, flaggedReason: null, virtualAccountNo: null });
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(503, envelope("service_unavailable")));
    renderAt("/admin/payments", <PaymentsPage />);
    expect(await screen.findByRole("link", { name: "p1" })).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("User id"), "u9");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    await screen.findByRole("alert");
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/payments?userId=u9&limit=50");
    expect(screen.queryByRole("link", { name: "p1" })).toBeNull();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("shows the URL's search again in the users search box", async () => {
    fetchMock.mockImplementation(async () => json(200, { items: [], nextCursor: null }));
    renderAt("/admin/users?q=alice", <><Link to="/users">All users</Link><UsersPage /></>);
    const box = screen.getByLabelText("Email starts with");
    expect(box).toHaveValue("alice");
    await userEvent.click(screen.getByRole("link", { name: "All users" }));
    await waitFor(() => expect(box).toHaveValue(""));
    expect(fetchMock.mock.calls.at(-1)![0]).toBe("/api/admin/users?limit=50");
  });
});

describe("audit log", () => {
  // The API refuses a target id without its type (a full scan of the log otherwise): the form says so first.
  it("asks for the target type before searching by target id, then sends both", async () => {
    const { AuditLogsPage } = await import("./pages/AuditLogs");
    fetchMock.mockImplementation(async () => json(200, { items: [], nextCursor: null }));
    renderAt("/admin/audit", <AuditLogsPage />);
    expect(await screen.findByText("No entries match.")).toHaveAttribute("role", "status");
    await userEvent.type(screen.getByLabelText("Target id"), "u9");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(screen.getByLabelText("Target type")).toHaveAccessibleDescription(/Give the target type too/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await userEvent.type(screen.getByLabelText("Target type"), "user");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/audit-logs?targetType=user&targetId=u9&limit=50");
    expect(screen.getByLabelText("Target type")).not.toHaveAccessibleDescription(/Give the target type too/);
  });
});

describe("settings editors", () => {
  it("validates origins on the client", () => {
    expect(validateOrigins(["https://ok.example.com", "https://bad.example.com/", "ftp://x", "https://ok.example.com"])).toEqual({
      "origins.1": expect.stringContaining("not an origin"),
      "origins.2": expect.stringContaining("not an origin"),
      "origins.3": expect.stringContaining("listed twice"),
    });
  });

  it("sends the version and shows a 409 conflict with a reload", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com"], version: 3 }))
      .mockResolvedValueOnce(json(409, envelope("stale_version")))
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com", "https://b.example.com"], version: 4 }));
    renderAt("/admin/settings", <CorsEditor />);
    const area = await screen.findByLabelText("Allowed origins (one per line)");
    await userEvent.type(area, "\nhttps://c.example.com");
    await userEvent.click(screen.getByRole("button", { name: "Save origins" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/Someone else changed these settings/);
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ origins: ["https://a.example.com", "https://c.example.com"], version: 3 });
    expect(fetchMock.mock.calls[1][1].method).toBe("PUT");
    await userEvent.click(screen.getByRole("button", { name: "Reload latest settings" }));
    await waitFor(() => expect(screen.getByText(/Version 4/)).toBeInTheDocument());
  });

  it("says a change stored but not published was saved, and reads its version so the next save is no 409", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com"], version: 3 }))
      .mockResolvedValueOnce(json(503, envelope("settings_not_published"), { "Retry-After": "5" }))
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com", "https://c.example.com"], version: 4 }))
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com", "https://c.example.com"], version: 5 }));
    renderAt("/admin/settings", <CorsEditor />);
    await userEvent.type(await screen.findByLabelText("Allowed origins (one per line)"), "\nhttps://c.example.com");
    await userEvent.click(screen.getByRole("button", { name: "Save origins" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/Saved, but not in effect yet/);
    await waitFor(() => expect(screen.getByText(/Version 4/)).toBeInTheDocument());
    expect(screen.getByLabelText("Allowed origins (one per line)")).toHaveValue("https://a.example.com\nhttps://c.example.com");
    await userEvent.click(screen.getByRole("button", { name: "Save origins" }));
    expect(await screen.findByText(/CORS origins saved/)).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[3][1].body)).toEqual({ origins: ["https://a.example.com", "https://c.example.com"], version: 4 });
  });

  it("shows 422 rule errors next to the failing field", async () => {
    const rule = { routeGroup: "auth-login", scope: "ip", limit: 5, windowSeconds: 60, failMode: "open", enabled: true };
    fetchMock
      .mockResolvedValueOnce(json(200, rateLimits([rule], 1)))
      .mockResolvedValueOnce(json(422, envelope("validation_failed", [{ field: "rules.0.limit", location: "body", message: "Limit must be at most 10000" }])));
    renderAt("/admin/settings", <RateLimitEditor />);
    const limit = await screen.findByLabelText("Limit");
    await userEvent.clear(limit);
    await userEvent.type(limit, "999999");
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    await waitFor(() => expect(screen.getByLabelText("Limit")).toHaveAccessibleDescription(/^Limit must be at most 10000/));
    expect(screen.getByRole("alert")).toHaveTextContent("Some fields need attention.");
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).rules[0].limit).toBe(999999);
  });

  it("says which limits hold where no rule is stored: the gateway's defaults", async () => {
    const rule = { routeGroup: "auth-login", scope: "ip", limit: 5, windowSeconds: 60, failMode: "closed", enabled: true };
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([], 0)));
    const { unmount } = renderAt("/admin/settings", <RateLimitEditor />);
    expect(await screen.findByText("No rules are stored: every route group has the gateway's default limit.")).toBeInTheDocument();
    unmount();
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule], 1)));
    renderAt("/admin/settings", <RateLimitEditor />);
    expect(await screen.findByText("A route group without a rule here keeps the gateway's default limit.")).toBeInTheDocument();
  });

  it("refuses a zero limit before sending", async () => {
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([], 1)));
    renderAt("/admin/settings", <RateLimitEditor />);
    await userEvent.click(await screen.findByRole("button", { name: "Add rule" }));
    await userEvent.selectOptions(screen.getByLabelText("Route group"), "auth-login");
    await userEvent.clear(screen.getByLabelText("Limit"));
    await userEvent.type(screen.getByLabelText("Limit"), "0");
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    expect(screen.getByLabelText("Limit")).toHaveAccessibleDescription(/from 1 to 1000000/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});

describe("BarChart", () => {
  it("draws one bar per day with a readable title", () => {
    render(<BarChart title="Logins" points={[{ label: "2026-01-01", value: 3 }, { label: "2026-01-02", value: 7 }]} />);
    const chart = screen.getByRole("img", { name: /Logins: 2 days, total 10/ });
    expect(chart.querySelectorAll("rect")).toHaveLength(2);
    expect(within(chart.parentElement!).getByText("2026-01-02: 7")).toBeInTheDocument();
  });

  it("keeps its axis ticks short enough for the margin, the amounts whole in the total and titles", () => {
    const rupiah = (v: number) => `Rp ${v.toLocaleString("id-ID")}`;
    render(<BarChart title="Paid amount" points={[{ label: "2026-01-01", value: 1250000 }]} format={rupiah} unit="Rp " />);
    const chart = screen.getByRole("img", { name: "Paid amount: 1 day, total Rp 1.250.000" });
    const ticks = [...chart.querySelectorAll("text")].map((t) => t.textContent ?? "").filter((t) => t.startsWith("Rp"));
    expect(ticks).toEqual(["Rp 0", "Rp 1M", "Rp 2M"]);
    expect(ticks.every((t) => t.length <= 8)).toBe(true);
    expect(within(chart.parentElement!).getByText("2026-01-01: Rp 1.250.000")).toBeInTheDocument();
  });

  it("gives the day-by-day values as a table, behind a summary", async () => {
    render(<BarChart title="Logins" points={[{ label: "2026-01-01", value: 3 }, { label: "2026-01-02", value: 1500 }]} />);
    const summary = screen.getByText("Logins by day, as a table");
    await userEvent.click(summary);
    expect(summary.closest("details")).toHaveAttribute("open");
    const table = screen.getByRole("table", { name: "Logins by day" });
    expect(within(table).getAllByRole("row").map((row) => row.textContent)).toEqual(["DateLogins", "2026-01-013", "2026-01-021.5K"]);
  });
});

describe("payment detail", () => {
  it("shows the payment with its notification events and a flag", async () => {
    const { PaymentDetailPage } = await import("./pages/PaymentDetail");
    fetchMock.mockResolvedValueOnce(json(200, {
      id: "p1", userId: "u1", amount: 150000, currency: "IDR", method: "briva", status: "pending", description: null,
      virtualAccountNo: "7777700012345678", partnerReferenceNo: "KS-1", briReferenceNo: null, expiresAt: "2026-01-01T01:00:00Z",
      paidAt: null, failureReason: null, flaggedReason: "amount mismatch", createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z",
      events: [{ id: "e1", kind: "va_notify", dedupeKey: "d1", signatureValid: true, outcome: "flagged", raw: { paidAmount: { value: "1.00" } }, receivedAt: "2026-01-01T00:10:00Z" }],
    }));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText("Flagged for review: amount mismatch")).toBeInTheDocument();
    expect(screen.getByText("va_notify")).toBeInTheDocument();
    expect(screen.getByText("7777700012345678")).toBeInTheDocument();
    expect(fetchMock.mock.calls[0][0]).toBe("/api/admin/payments/p1");
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
