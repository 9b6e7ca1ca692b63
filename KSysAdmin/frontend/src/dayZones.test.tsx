import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { AuditLogsPage } from "./pages/AuditLogs";
import { DashboardPage } from "./pages/Dashboard";
import { PaymentsPage } from "./pages/Payments";

// Which days the console's figures and filters mean: the dashboard's are UTC days (the API groups by them), the list
// filters' are read in the browser's time zone, which their labels name.
const fetchMock = adminPageTests();
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

describe("days and their time zone", () => {
  it("labels the dashboard's days as UTC days, in the heading and in each chart's table", async () => {
    const day = (date: string) => ({ date, signups: 1, logins: 2, failedLogins: 0, payments: 1, paidAmount: 15000 });
    fetchMock.mockResolvedValueOnce(json(200, { days: [day("2026-01-01"), day("2026-01-02")] }));
    renderAt("/admin/", <DashboardPage />);
    expect(await screen.findByRole("heading", { level: 1 })).toHaveTextContent("Dashboard (last 2 days, UTC)");
    await userEvent.click(screen.getByText("Logins by day, as a table"));
    const table = screen.getByRole("table", { name: "Logins by day" });
    expect(within(table).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual(["Day (UTC)", "Logins"]);
  });

  it("names the browser's time zone in the payments and audit log date filters", async () => {
    fetchMock.mockImplementation(async () => json(200, { items: [], nextCursor: null }));
    const view = renderAt("/admin/payments", <PaymentsPage />);
    expect(await screen.findByLabelText(`From (${zone})`)).toHaveAttribute("type", "date");
    expect(screen.getByLabelText(`To (${zone})`)).toHaveAttribute("type", "date");
    view.unmount();
    renderAt("/admin/audit", <AuditLogsPage />);
    expect(await screen.findByLabelText(`From (${zone})`)).toHaveAttribute("type", "datetime-local");
    expect(screen.getByLabelText(`To (${zone})`)).toHaveAttribute("type", "datetime-local");
  });
});
