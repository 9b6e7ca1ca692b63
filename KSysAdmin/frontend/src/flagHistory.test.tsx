import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "@kservices/shared";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { HISTORY_URLS, auditEntry, auditLog, callsTo, payment, resolved, serveDetail } from "./paymentDetailStubs";
import { PaymentDetailPage } from "./pages/PaymentDetail";

// The payment detail's flag history (from the audit log) and its warning that an earlier flag was resolved.
const fetchMock = adminPageTests();

const historyCalls = () => callsTo(fetchMock, "/api/admin/audit-logs");
// The two reads start together: their order is not part of the contract.
const historyUrls = () => historyCalls().map(([url]) => String(url)).sort();
const rowTexts = (rows: HTMLElement[]) => rows.slice(1).map((row) => row.textContent);
const MISSING = /may be missing/;
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
// Times for generated entries: `second` seconds after 04:00 on January `day`.
const at = (day: number, second: number) => new Date(Date.UTC(2026, 0, day, 4) + second * 1000).toISOString();

describe("a payment's flag history", () => {
  it("asks the audit log for each action of the payment and lists its flags and resolutions, newest first", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog(reflaggedHistory) });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const card = await section();
    const rows = await within(card).findAllByRole("row");
    expect(historyUrls()).toEqual([...HISTORY_URLS].sort());
    expect(rowTexts(rows)).toEqual([
      `${formatDateTime(secondFlag.createdAt)}Flaggedlate payment: refund`,
      `${formatDateTime(RESOLVED_AT)}Resolved by admin-7refunded at BRI, ticket 4411`,
      `${formatDateTime(FIRST_FLAG_AT)}Flaggedlate_payment: paid while cancelled`,
    ]);
    expect(within(card).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(within(card).queryByText(/admin-9/)).not.toBeInTheDocument();
    expect(within(card).queryByText(MISSING)).not.toBeInTheDocument();
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
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog(reflaggedHistory) });
    const first = renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const warning = await screen.findByTestId("resolved-before");
    expect(warning).toHaveTextContent(
      `This payment's flag was resolved before (by admin-7 at ${formatDateTime(RESOLVED_AT)}: refunded at BRI, ticket 4411). Check it is not handled twice`);
    expect(within(warning).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(warning.nextElementSibling).toContainElement(screen.getByRole("button", { name: "Resolve flag" }));
    first.unmount();

    // Flagged only once (the refused attempt resolved nothing): no warning.
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog([refused, secondFlag]) });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await within(await section()).findByText("late payment: refund")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Resolve flag" })).toBeInTheDocument();
    expect(screen.queryByTestId("resolved-before")).not.toBeInTheDocument();
  });

  it("finds an earlier resolution behind many newer entries of other actions", async () => {
    // 60 access-denied probes of the payment's id since it was flagged again: an unfiltered page of 50 holds only them.
    const probes = Array.from({ length: 60 }, (_, i) => auditEntry(`probe-${i}`, "payment.access_denied", at(2, 59 - i), { outcome: "failure" }));
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog([...probes, refused, secondFlag, resolution, firstFlag, created]) });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByTestId("resolved-before")).toHaveTextContent("(by admin-7 at");
    const card = await section();
    expect(rowTexts(await within(card).findAllByRole("row"))).toHaveLength(3);
    expect(within(card).queryByText(MISSING)).not.toBeInTheDocument();
  });

  it("merges the two reads by time, microseconds included, then by id, newest first", async () => {
    const flag = (id: string, createdAt: string) => auditEntry(id, "payment.flagged", createdAt, { outcome: "failure", details: { reason: `flag ${id}` } });
    const fix = (id: string, createdAt: string) => auditEntry(id, "payment.flag_resolved", createdAt, { actorId: "admin-7", details: { resolution: `fix ${id}` } });
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog([
      fix("r2", "2026-01-04T00:00:00.000500Z"), flag("z2", "2026-01-04T00:00:00Z"), fix("m3", "2026-01-03T00:00:00.5Z"),
      flag("m2", "2026-01-03T00:00:00.5Z"), fix("m1", "2026-01-03T00:00:00.5Z"), flag("z0", "2026-01-02T23:59:59.999999Z"),
    ]) });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const rows = await within(await section()).findAllByRole("row");
    expect(rows.slice(1).map((row) => (row as HTMLTableRowElement).cells[2].textContent)).toEqual(["fix r2", "flag z2", "fix m3", "flag m2", "fix m1", "flag z0"]);
  });

  it("says which read was cut short: older flags, or older resolutions, may be missing", async () => {
    const flags = Array.from({ length: 201 }, (_, i) => auditEntry(`f${i}`, "payment.flagged", at(3, 300 - i), { outcome: "failure" }));
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog(flags) });
    const first = renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const card = await section();
    expect(await within(card).findByText("Only the latest 200 flags of this payment were read: older flags may be missing.")).toBeInTheDocument();
    expect(within(card).getAllByText(MISSING)).toHaveLength(1);
    expect(screen.queryByTestId("resolved-before")).not.toBeInTheDocument();
    first.unmount();

    // 200 refused attempts hide the older, successful resolution: the note says so, and so does the warning.
    const attempts = Array.from({ length: 200 }, (_, i) => ({ ...refused, id: `x${i}`, createdAt: at(3, 300 - i) }));
    serveDetail(fetchMock, { payment: [json(200, payment)], audit: auditLog([...attempts, secondFlag, resolution, firstFlag]) });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const second = await section();
    expect(await within(second).findByText(
      "Only the latest 200 resolution attempts (refused ones included) were read: older resolutions may be missing.")).toBeInTheDocument();
    expect(within(second).getAllByText(MISSING)).toHaveLength(1);
    expect(screen.getByTestId("resolved-before")).toHaveTextContent(
      "Whether an earlier flag of this payment was already resolved (a refund made) is not known: not every resolution attempt was read.");
  });

  it("shows a failed history load in its own section and keeps the rest of the page", async () => {
    // The flags read works, the resolutions read fails: the section claims nothing, and says why.
    const flagsOnly = auditLog(reflaggedHistory);
    const audit = (url: string) => (url.includes("flag_resolved") ? json(503, envelope("service_unavailable")) : flagsOnly(url));
    serveDetail(fetchMock, { payment: [json(200, payment)], audit });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const card = await section();
    expect(await within(card).findByRole("alert")).toHaveTextContent("Loading the flag history failed: The service is temporarily unavailable.");
    expect(within(card).queryByRole("table")).not.toBeInTheDocument();
    expect(within(card).queryByText("No flag entries in the audit log.")).not.toBeInTheDocument();
    expect(screen.getAllByRole("alert")).toHaveLength(1);
    expect(screen.getByText("Flagged for review: late payment: refund")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Resolve flag" })).toBeEnabled();
    expect(screen.getByTestId("resolved-before")).toHaveTextContent("is not known: the flag history could not be loaded.");
    expect(screen.getByText("No notifications received.")).toBeInTheDocument();
  });

  it("reloads after a resolve and after a payment_changed reload", async () => {
    const mine = auditEntry("a5", "payment.flag_resolved", "2026-01-03T10:00:00Z", { actorId: "admin-7", details: { resolution: "checked at BRI" } });
    const changed = { ...payment, flaggedReason: "amount mismatch", updatedAt: "2026-01-02T09:00:00Z" };
    const log = [secondFlag];
    serveDetail(fetchMock, {
      payment: [json(200, payment), json(200, changed)],
      resolve: [json(409, envelope("payment_changed")), json(200, { ...resolved, ...changed, flagResolution: "checked at BRI" })],
      audit: auditLog(log),
    });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const resolveWith = async (note: string) => {
      await userEvent.click(await screen.findByRole("button", { name: "Resolve flag" }));
      const dialog = screen.getByRole("alertdialog");
      await userEvent.type(within(dialog).getByLabelText("Resolution note"), note);
      await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    };
    await resolveWith("refunded");
    await waitFor(() => expect(historyCalls()).toHaveLength(4));
    await screen.findByText("Flagged for review: amount mismatch");
    log.unshift(mine); // the server audits the resolution it is about to answer
    await resolveWith("checked at BRI");
    expect(await screen.findByText("Flag resolved.")).toBeInTheDocument();
    expect(await within(await section()).findByText("checked at BRI")).toBeInTheDocument();
    expect(historyUrls()).toEqual([...HISTORY_URLS, ...HISTORY_URLS, ...HISTORY_URLS].sort());
  });
});
