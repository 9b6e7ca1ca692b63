import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { formatDateTime } from "@kservices/shared";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { PaymentsPage } from "./pages/Payments";

// Flagged payments: the list's open/resolved filter and marks, and resolving a flag on the payment detail.
const fetchMock = adminPageTests();

const LOADED_AT = "2026-01-02T03:04:05.123456Z";
const payment = {
  id: "p1", userId: "u1", amount: 150000, currency: "IDR", method: "briva", status: "paid", description: null,
  virtualAccountNo: "7777700012345678", partnerReferenceNo: "KS-1", briReferenceNo: null, expiresAt: "2026-01-01T01:00:00Z",
  paidAt: "2026-01-01T02:00:00Z", failureReason: null, flaggedReason: "late payment: refund", flagResolvedAt: null, flagResolvedBy: null,
  flagResolution: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: LOADED_AT, events: [],
};
const resolved = { ...payment, flagResolvedAt: "2026-01-03T10:00:00Z", flagResolvedBy: "admin-7", flagResolution: "refunded via BRI portal, ticket 123", updatedAt: "2026-01-03T10:00:00.5Z" };
const posts = () => fetchMock.mock.calls.filter(([, init]) => init.method === "POST");

describe("payments list flag filter", () => {
  it("asks for open or resolved flags, keeps the filter in the URL and while paging, and marks each kind", async () => {
    const item = (id: string, flag: object) => ({ ...payment, ...flag, id, events: undefined });
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p-open", {})], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [item("p-next", {})], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [item("p-done", resolved)], nextCursor: null }));
    renderAt("/admin/payments", <PaymentsPage />);
    expect(await screen.findByText("No payments match.")).toBeInTheDocument();

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
    fetchMock.mockResolvedValueOnce(json(200, payment)).mockResolvedValueOnce(json(200, resolved));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByText("Flagged for review: late payment: refund")).toBeInTheDocument();
    const dialog = await openDialog("  refunded via BRI portal, ticket 123  ");
    expect(dialog).toHaveAccessibleDescription(/late payment: refund/);
    expect(within(dialog).getByLabelText("Resolution note")).toHaveAttribute("maxLength", "500");
    expect(within(dialog).getByLabelText("Resolution note")).toHaveAccessibleDescription("Required. 39 of 500 characters.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));

    const notice = await screen.findByText("Flag resolved.");
    await waitFor(() => expect(notice).toHaveFocus());
    const [url, init] = fetchMock.mock.calls[1];
    expect(url).toBe("/api/admin/payments/p1/flag/resolve");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body)).toEqual({ resolution: "refunded via BRI portal, ticket 123", updatedAt: LOADED_AT });
    expect(screen.getByTestId("flag-resolution")).toHaveTextContent(`Resolved by admin-7 at ${formatDateTime(resolved.flagResolvedAt)}: refunded via BRI portal, ticket 123`);
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("refuses a note of only spaces without a request, and sends nothing when cancelled", async () => {
    fetchMock.mockResolvedValueOnce(json(200, payment));
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
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("reloads on payment_changed, says so, and resolves the reloaded payment with its new updatedAt", async () => {
    const changed = { ...payment, flaggedReason: "amount mismatch", updatedAt: "2026-01-02T09:00:00Z" };
    fetchMock
      .mockResolvedValueOnce(json(200, payment))
      .mockResolvedValueOnce(json(409, envelope("payment_changed")))
      .mockResolvedValueOnce(json(200, changed))
      .mockResolvedValueOnce(json(200, { ...resolved, ...changed, flagResolvedAt: resolved.flagResolvedAt, flagResolvedBy: "admin-7", flagResolution: "checked" }));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));

    expect(await screen.findByRole("alert")).toHaveTextContent("This payment changed since the page loaded (a new flag may have arrived). It has been reloaded: review it before resolving.");
    expect(await screen.findByText("Flagged for review: amount mismatch")).toBeInTheDocument();
    expect(fetchMock.mock.calls[2][0]).toBe("/api/admin/payments/p1");
    expect(fetchMock.mock.calls[2][1].method).toBe("GET");

    const dialog = await openDialog("");
    const note = within(dialog).getByLabelText("Resolution note");
    expect(note).toHaveValue("refunded");
    await userEvent.clear(note);
    await userEvent.type(note, "checked");
    await userEvent.click(within(dialog).getByRole("button", { name: "Resolve flag" }));
    expect(await screen.findByText("Flag resolved.")).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[3][1].body)).toEqual({ resolution: "checked", updatedAt: "2026-01-02T09:00:00Z" });
  });

  it("reloads on flag_not_open and says it was already resolved", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, payment))
      .mockResolvedValueOnce(json(409, envelope("flag_not_open")))
      .mockResolvedValueOnce(json(200, resolved));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This flag was already resolved. The payment has been reloaded.");
    expect(await screen.findByTestId("flag-resolution")).toHaveTextContent("refunded via BRI portal, ticket 123");
    expect(fetchMock.mock.calls[2][0]).toBe("/api/admin/payments/p1");
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
  });

  it("says when the reload after payment_changed fails, instead of silently keeping the old payment", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, payment))
      .mockResolvedValueOnce(json(409, envelope("payment_changed")))
      .mockResolvedValueOnce(json(503, envelope("service_unavailable")));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    await waitFor(() => expect(screen.getAllByRole("alert")).toHaveLength(2));
    expect(screen.getAllByRole("alert")[1]).toHaveTextContent("Reloading the payment failed: The service is temporarily unavailable.");
  });

  it("shows another refusal as an error without reloading, and keeps the button for a retry", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, payment))
      .mockResolvedValueOnce(json(422, envelope("validation_failed", [{ field: "body.resolution", message: "too long" }])));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(within(await openDialog("refunded")).getByRole("button", { name: "Resolve flag" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Some fields need attention.");
    expect(alert).toHaveTextContent("resolution: too long");
    await waitFor(() => expect(screen.getByRole("button", { name: "Resolve flag" })).toBeEnabled());
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it("shows a resolved flag with who resolved it, when, and the note, and offers no resolve", async () => {
    fetchMock.mockResolvedValueOnce(json(200, resolved));
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    const block = await screen.findByTestId("flag-resolution");
    expect(block).toHaveTextContent("Flag resolved: late payment: refund");
    expect(block).toHaveTextContent(`Resolved by admin-7 at ${formatDateTime(resolved.flagResolvedAt)}: refunded via BRI portal, ticket 123`);
    expect(within(block).getByRole("link", { name: "admin-7" }).getAttribute("href")).toMatch(/\/admin\/users\/admin-7$/);
    expect(screen.queryByText(/Flagged for review/)).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Resolve flag" })).not.toBeInTheDocument();
  });
});
