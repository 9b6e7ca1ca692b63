import { act, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Link } from "@kservices/shared";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { PaymentListPage } from "./pages/PaymentList";

const renderAt = renderInApp("/payment/");
const item = (id: string) => ({ id, amount: 150000, method: "briva", status: "paid", description: `Order ${id}`, virtualAccountNo: "7777700012345678",
  qrContent: null, expiresAt: null, createdAt: new Date().toISOString() });

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  tokens.clear();
});

describe("PaymentListPage", () => {
  it("starts again at the first page after a navigation, e.g. from a filtered second page to My payments", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(200, { items: [item("p2")], nextCursor: "c3" }))
      .mockResolvedValueOnce(json(200, { items: [item("p3")], nextCursor: null }));
    renderAt("/payment/?status=paid", <><Link to="/">My payments</Link><PaymentListPage /></>);
    await screen.findByRole("link", { name: /:/ });
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(fetchMock.mock.calls[1][0]).toBe("/api/payment/payments?limit=20&status=paid&cursor=c2");
    await waitFor(() => expect(screen.getByRole("button", { name: "Previous" })).toBeEnabled());
    await userEvent.click(screen.getByRole("link", { name: "My payments" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(3));
    expect(fetchMock.mock.calls[2][0]).toBe("/api/payment/payments?limit=20");
    expect(screen.getByLabelText("Status")).toHaveValue("");
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
  });
});

describe("PaymentListPage after a failed load", () => {
  it("offers Try again, which loads the list", async () => {
    fetchMock
      .mockResolvedValueOnce(json(503, envelope("service_unavailable"), { "Retry-After": "5" }))
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: null }));
    renderAt("/payment/", <PaymentListPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent("The service is temporarily unavailable.");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("Order p1")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("PaymentListPage while a page loads", () => {
  const listUrls = () => fetchMock.mock.calls.map(([url]) => url);

  it("moves one page on a double click of Next, so Previous goes back to the first page", async () => {
    let answer!: (response: Response) => void;
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockReturnValueOnce(new Promise<Response>((resolve) => { answer = resolve; }))
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }));
    renderAt("/payment/", <PaymentListPage />);
    await screen.findByText("Order p1");
    await userEvent.dblClick(screen.getByRole("button", { name: "Next" }));
    // The first page's rows and its cursor are gone while the second page loads.
    expect(screen.queryByText("Order p1")).toBeNull();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    // Disabled because the page is loading, and they say so.
    expect(screen.getByRole("button", { name: "Next" })).toHaveAttribute("aria-busy", "true");
    expect(screen.getByRole("button", { name: "Previous" })).toHaveAttribute("aria-busy", "true");
    await act(async () => answer(json(200, { items: [item("p2")], nextCursor: "c3" })));
    await screen.findByText("Order p2");
    await userEvent.click(screen.getByRole("button", { name: "Previous" }));
    await screen.findByText("Order p1");
    expect(listUrls()).toEqual(["/api/payment/payments?limit=20", "/api/payment/payments?limit=20&cursor=c2", "/api/payment/payments?limit=20"]);
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Previous" })).toHaveAttribute("aria-busy", "false");
  });

  it("shows the error alone when a filter's page fails, not the unfiltered rows", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1")], nextCursor: "c2" }))
      .mockResolvedValueOnce(json(503, envelope("service_unavailable")));
    renderAt("/payment/", <PaymentListPage />);
    await screen.findByText("Order p1");
    await userEvent.selectOptions(screen.getByLabelText("Status"), "pending");
    await screen.findByRole("alert");
    expect(fetchMock.mock.calls[1][0]).toBe("/api/payment/payments?limit=20&status=pending");
    expect(screen.queryByText("Order p1")).toBeNull();
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
  });

  it("announces each answer in a status message: how many payments it shows, or that none match", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { items: [item("p1"), item("p2")], nextCursor: null }))
      .mockResolvedValueOnce(json(200, { items: [], nextCursor: null }));
    renderAt("/payment/", <PaymentListPage />);
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("2 payments shown."));
    await userEvent.selectOptions(screen.getByLabelText("Status"), "failed");
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("No payments match."));
  });

  it("tells a user with no payments at all that they have none yet, not that none match a filter", async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [], nextCursor: null }));
    renderAt("/payment/", <PaymentListPage />);
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("You have no payments yet."));
    expect(screen.queryByText("No payments match.")).toBeNull();
  });
});
