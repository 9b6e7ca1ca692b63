import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "@kservices/shared";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { LOADED_AT, callsTo, payment, resolved, serveDetail } from "./paymentDetailStubs";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { PaymentsPage } from "./pages/Payments";

// Flagged payments: the list's open/resolved filter and marks, and resolving a flag on the payment detail.
const fetchMock = adminPageTests();

const posts = () => callsTo(fetchMock, "/api/admin/payments/p1/flag/resolve", "POST");
const paymentGets = () => callsTo(fetchMock, "/api/admin/payments/p1", "GET");

describe("payments list flag filter", () => {
  it("asks for open or resolved flags, keeps the filter in the URL and while paging, and marks each kind", async () => {
    const item = (id: string, flag: object) => ({ ...payment, ...flag, id, events: undefined });
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p-open", {})], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [item("p-next", {})], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p-done", resolved)], nextCursor: null }));
    renderAt("/admin/payments", <PaymentsPage />);
    expect(await screen.findByText("No payments match.")).toHaveAttribute("role", "status");

    await userEvent.selectOptions(screen.getByLabelText("Flagged"), "Flagged: open");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(await screen.findByRole("link", { name: "p-open" })).toBeInTheDocument();
    expect(window.location.search).toBe("?flagged=true&flagResolved=false");
    expect(fetchMock.mock.calls[1][0]).toBe("/api/admin/payments?flagged=true&flagResolved=false&limit=50");
    expect(screen.getByTitle("late payment: refund")).toHaveTextContent("flagged");

    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByRole("link", { name: "p-next" })).toBeInTheDocument();
    expect(fetchMock.mock.calls[2][0]).toBe("/api/admin/payments?flagged=true&flagResolved=false&cursor=c2&limit=50");
    expect(screen.getByLabelText("Flagged")).toHaveDisplayValue("Flagged: open");

    await userEvent.selectOptions(screen.getByLabelText("Flagged"), "Flagged: resolved");
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    expect(await screen.findByRole("link", { name: "p-done" })).toBeInTheDocument();
    expect(window.location.search).toBe("?flagged=true&flagResolved=true");
    expect(fetchMock.mock.calls[3][0]).toBe("/api/admin/payments?flagged=true&flagResolved=true&limit=50");
    const mark = screen.getByTitle("late payment: refund (resolved: refunded via BRI portal, ticket 123)");
    expect(mark).toHaveTextContent("flag resolved");
    expect(mark).not.toHaveClass("badge-failed");
    expect(screen.queryByText("flagged")).not.toBeInTheDocument();
  });

  it.each([
    ["Flagged: any", "?flagged=true"],
    ["Not flagged", "?flagged=false"],
  ])("shows the URL's flag filter, and %s drops flagResolved", async (choice, search) => {
    fetchMock.mockImplementation(async () => json(200, { items: [], nextCursor: null }));
    renderAt("/admin/payments?flagged=true&flagResolved=true", <PaymentsPage />);
    expect(await screen.findByText("No payments match.")).toBeInTheDocument();
    expect(screen.getByLabelText("Flagged")).toHaveDisplayValue("Flagged: resolved");
    await userEvent.selectOptions(screen.getByLabelText("Flagged"), choice);
    await userEvent.click(screen.getByRole("button", { name: "Filter" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(window.location.search).toBe(search);
    expect(fetchMock.mock.calls[1][0]).toBe(`/api/admin/payments${search}&limit=50`);
  });
});

describe("resolving a payment's flag", () => {
  // Opens the resolve dialog and types `note` into it.
  async function openDialog(note: string) {
    await userEvent.click(await screen.findByRole("button", { name: "Resolve flag" }));
    const dialog = screen.getByRole("alertdialog", { name: "Resolve this flag?" });
    if (note) await userEvent.type(within(dialog).getByLabelText("Resolution note"), note);
    return dialog;
  }

  it("sends the trimmed note with the updatedAt as loaded and renders the answer", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], resolve: [json(200, resolved)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText("Flagged for review: late payment: refund")).toBeInTheDocument();
    const dialog = await openDialog("  refunded via BRI portal, ticket 123  ");
    expect(dialog).toHaveAccessibleDescription(/late payment: refund/);
    expect(within(dialog).getByLabelText("Resolution note")).toHaveAttribute("maxLength", "500");
    expect(within(dialog).getByLabelText("Resolution note")).toHaveAccessibleDescription(
      "Required. Kept for good in the audit log: do not paste card or account numbers or credentials. 39 of 500 characters.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));

    const notice = await screen.findByText("Flag resolved.");
    await waitFor(() => expect(notice).toHaveFocus());
    expect(posts()).toHaveLength(1);
    expect(JSON.parse(posts()[0][1].body)).toEqual({ resolution: "refunded via BRI portal, ticket 123", updatedAt: LOADED_AT });
    expect(screen.getByTestId("flag-resolution")).toHaveTextContent(`Resolved by admin-7 at ${formatDateTime(resolved.flagResolvedAt)}: refunded via BRI portal, ticket 123`);
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
    expect(paymentGets()).toHaveLength(1);
  });

  it("refuses a note of only spaces without a request, and sends nothing when cancelled", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const dialog = await openDialog("   ");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    const note = within(dialog).getByLabelText("Resolution note");
    expect(note).toHaveAttribute("aria-invalid", "true");
    expect(note).toHaveAccessibleDescription(/a note of only spaces is not accepted/);
    expect(screen.getByRole("alertdialog")).toBeInTheDocument();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(posts()).toHaveLength(0);
    expect(paymentGets()).toHaveLength(1);
  });

  it("reloads on payment_changed, says so, and starts the new flag's resolution with an empty note", async () => {
    const changed = { ...payment, flaggedReason: "amount mismatch", updatedAt: "2026-01-02T09:00:00Z" };
    serveDetail(fetchMock, {
      payment: [json(200, payment), json(200, changed)],
      resolve: [json(409, envelope("payment_changed")), json(200, { ...changed, flagResolvedAt: resolved.flagResolvedAt, flagResolvedBy: "admin-7", flagResolution: "checked" })],
    });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("This payment changed since the page loaded (a new flag may have arrived). It has been reloaded: review it before resolving.");
    expect(await screen.findByText("Flagged for review: amount mismatch")).toBeInTheDocument();
    expect(paymentGets()).toHaveLength(2);

    // The note was written for the old flag: the new one starts empty.
    const dialog = await openDialog("");
    const note = within(dialog).getByLabelText("Resolution note");
    expect(note).toHaveValue("");
    await userEvent.type(note, "checked");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    expect(await screen.findByText("Flag resolved.")).toBeInTheDocument();
    expect(JSON.parse(posts()[1][1].body)).toEqual({ resolution: "checked", updatedAt: "2026-01-02T09:00:00Z" });
  });

  it("reloads on flag_not_open and says it was already resolved", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment), json(200, resolved)], resolve: [json(409, envelope("flag_not_open"))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This flag was already resolved. The payment has been reloaded.");
    expect(await screen.findByTestId("flag-resolution")).toHaveTextContent("refunded via BRI portal, ticket 123");
    expect(paymentGets()).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
  });

  it("says when the reload after payment_changed fails, instead of silently keeping the old payment", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment), json(503, envelope("service_unavailable"))], resolve: [json(409, envelope("payment_changed"))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    await waitFor(() => expect(screen.getAllByRole("alert")).toHaveLength(2));
    expect(screen.getAllByRole("alert")[1]).toHaveTextContent("Reloading the payment failed: The service is temporarily unavailable.");
  });

  it("shows another refusal as an error without reloading, and keeps the note for a retry of the same flag", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)], resolve: [json(422, envelope("validation_failed", [{ field: "body.resolution", message: "too long" }]))] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Some fields need attention.");
    expect(alert).toHaveTextContent("resolution: too long");
    await waitFor(() => expect(screen.getByRole("button", { name: "Resolve flag" })).toBeEnabled());
    expect(paymentGets()).toHaveLength(1);
    expect(within(await openDialog("")).getByLabelText("Resolution note")).toHaveValue("refunded");
  });

  it("shows a resolved flag with who resolved it, when, and the note, and offers no resolve", async () => {
    serveDetail(fetchMock, { payment: [json(200, resolved)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const block = await screen.findByTestId("flag-resolution");
    expect(block).toHaveTextContent("Flag resolved: late payment: refund");
    expect(block).toHaveTextContent(`Resolved by admin-7 at ${formatDateTime(resolved.flagResolvedAt)}: refunded via BRI portal, ticket 123`);
    expect(within(block).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(screen.queryByText(/Flagged for review/)).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
  });

  it("marks Resolve flag busy while the resolve runs", async () => {
    let answer = (_: Response) => {};
    fetchMock.mockImplementation((url: string, init: RequestInit) => init.method === "POST"
      ? new Promise((resolve) => { answer = resolve; })
      : Promise.resolve(url.startsWith("/api/admin/audit-logs") ? json(200, { items: [], nextCursor: null }) : json(200, payment)));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: "Resolve flag" }));
    const dialog = screen.getByRole("alertdialog");
    await userEvent.type(within(dialog).getByLabelText("Resolution note"), "refunded");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    expect(screen.getByRole("button", { name: "Resolve flag" })).toHaveAttribute("aria-busy", "true");
    answer(json(200, resolved));
    expect(await screen.findByText("Flag resolved.")).toBeInTheDocument();
  });
});
