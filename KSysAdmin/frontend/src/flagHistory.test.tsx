import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "@kservices/shared";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { HISTORY_URL, auditEntry, auditPage, callsTo, payment, resolved, serveDetail } from "./paymentDetailStubs";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// The payment detail's flag history (from the audit log) and its warning that an earlier flag was resolved.
const fetchMock = adminPageTests();

const historyCalls = () => callsTo(fetchMock, "/api/admin/audit-logs");
const section = async () => (await screen.findByRole("heading", { name: "Flag history" })).closest("section")!;

const FIRST_FLAG_AT = "2026-01-01T02:00:00Z";
const RESOLVED_AT = "2026-01-01T05:00:00Z";
const firstFlag = auditEntry("a1", "payment.flagged", FIRST_FLAG_AT, { outcome: "failure", details: { reason: "late_payment: paid while cancelled" } });
const resolution = auditEntry("a2", "payment.flag_resolved", RESOLVED_AT, {
  actorId: "admin-7", actorType: "user", details: { flaggedReason: "late_payment: paid while cancelled", resolution: "refunded at BRI, ticket 4411" },
});
const secondFlag = auditEntry("a3", "payment.flagged", "2026-01-02T02:00:00Z", { outcome: "failure", details: { reason: "late payment: refund" } });
// Entries the history leaves out: another action, and a refused resolution (audited under the same action).
const created = auditEntry("a0", "payment.created", "2026-01-01T00:00:00Z", { actorId: "u1" });
const refused = auditEntry("a4", "payment.flag_resolved", "2026-01-02T03:00:00Z", { actorId: "admin-9", outcome: "failure", details: { code: "payment_changed" } });
// Newest first, as the API answers.
const reflaggedHistory = [refused, secondFlag, resolution, firstFlag, created];

describe("a payment's flag history", () => {
  it("asks the audit log for the payment's entries and lists its flags and resolutions, newest first", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: [auditPage(reflaggedHistory)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const card = await section();
    const rows = await within(card).findAllByRole("row");
    expect(historyCalls().map(([url]) => url)).toEqual([HISTORY_URL]);
    expect(rows.slice(1).map((row) => row.textContent)).toEqual([
      `${formatDateTime(secondFlag.createdAt)}Flaggedlate payment: refund`,
      `${formatDateTime(RESOLVED_AT)}Resolved by admin-7refunded at BRI, ticket 4411`,
      `${formatDateTime(FIRST_FLAG_AT)}Flaggedlate_payment: paid while cancelled`,
    ]);
    expect(within(card).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(within(card).queryByText(/admin-9/)).not.toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "All audit entries for this payment" }).getAttribute("href"))
      .toBe("/admin/audit?targetType=payment&targetId=p1");
  });

  it("is not shown, nor loaded, for a payment that never had a flag", async () => {
    serveDetail(fetchMock, { payment: [json(200, { ...payment, flaggedReason: null })] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText("No notifications received.")).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Flag history" })).not.toBeInTheDocument();
    expect(historyCalls()).toHaveLength(0);
  });

  it("warns next to Resolve that an earlier flag was resolved, and only then", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: [auditPage(reflaggedHistory)] });
    const first = renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const warning = await screen.findByTestId("resolved-before");
    expect(warning).toHaveTextContent(
      `This payment's flag was resolved before (by admin-7 at ${formatDateTime(RESOLVED_AT)}: refunded at BRI, ticket 4411). Check it is not handled twice`);
    expect(within(warning).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(warning.nextElementSibling).toContainElement(screen.getByRole("button", { name: "Resolve flag" }));
    first.unmount();

    // Flagged only once (the refused attempt resolved nothing): no warning.
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: [auditPage([refused, secondFlag])] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await within(await section()).findByText("late payment: refund")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Resolve flag" })).toBeInTheDocument();
    expect(screen.queryByTestId("resolved-before")).not.toBeInTheDocument();
  });

  it("shows a failed history load in its own section and keeps the rest of the page", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: [json(503, envelope("service_unavailable"))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const card = await section();
    expect(await within(card).findByRole("alert")).toHaveTextContent("Loading the flag history failed: The service is temporarily unavailable.");
    expect(screen.getAllByRole("alert")).toHaveLength(1);
    expect(screen.getByText("Flagged for review: late payment: refund")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Resolve flag" })).toBeEnabled();
    expect(screen.getByText("No notifications received.")).toBeInTheDocument();
  });

  it("reloads after a resolve and after a payment_changed reload", async () => {
    const mine = auditEntry("a5", "payment.flag_resolved", "2026-01-03T10:00:00Z", { actorId: "admin-7", details: { resolution: "checked at BRI" } });
    const changed = { ...payment, flaggedReason: "amount mismatch", updatedAt: "2026-01-02T09:00:00Z" };
    serveDetail(fetchMock, {
      payment: [json(200, payment), json(200, changed)],
      resolve: [json(409, envelope("payment_changed")), json(200, { ...resolved, ...changed, flagResolution: "checked at BRI" })],
      audit: [auditPage([secondFlag]), auditPage([secondFlag]), auditPage([mine, secondFlag])],
    });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const resolveWith = async (note: string) => {
      await userEvent.click(await screen.findByRole("button", { name: "Resolve flag" }));
      const dialog = screen.getByRole("alertdialog");
      await userEvent.type(within(dialog).getByLabelText("Resolution note"), note);
      await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    };
    await resolveWith("refunded");
    await waitFor(() => expect(historyCalls()).toHaveLength(2));
    await screen.findByText("Flagged for review: amount mismatch");
    await resolveWith("checked at BRI");
    expect(await screen.findByText("Flag resolved.")).toBeInTheDocument();
    expect(await within(await section()).findByText("checked at BRI")).toBeInTheDocument();
    expect(historyCalls().map(([url]) => url)).toEqual([HISTORY_URL, HISTORY_URL, HISTORY_URL]);
  });
});
