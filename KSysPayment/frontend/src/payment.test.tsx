import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from "vitest";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { NewPaymentPage, parseRupiah, validateAmount } from "./pages/NewPayment";
import { PaymentDetailPage, POLL_INTERVAL_MS } from "./pages/PaymentDetail";

const renderAt = renderInApp("/payment/");

const pending = {
  id: "p1",
  amount: 150000,
  method: "briva",
  status: "pending",
  description: "Order 1",
  virtualAccountNo: "7777700012345678",
  qrContent: null,
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  createdAt: new Date().toISOString(),
};

const fetchMock = stubFetch();
beforeEach(() => {
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
});
afterEach(() => {
  vi.useRealTimers();
  tokens.clear();
});

const DEFAULT_LIMITS = { minAmount: 10000, maxAmount: 50000000, currency: "IDR" };

describe("amount parsing", () => {
  it("accepts whole rupiah with dot grouping", () => {
    expect(parseRupiah("150.000")).toBe(150000);
    expect(parseRupiah("150000")).toBe(150000);
    expect(parseRupiah("1500,50")).toBeNull();
    expect(validateAmount("12.5", DEFAULT_LIMITS)).toMatch(/whole rupiah/);
    expect(validateAmount("500", DEFAULT_LIMITS)).toMatch(/minimum is Rp 10\.000/);
    expect(validateAmount("50000001", DEFAULT_LIMITS)).toMatch(/maximum is Rp 50\.000\.000/);
    expect(validateAmount("", DEFAULT_LIMITS)).toMatch(/Enter an amount/);
  });

  it("leaves the range to the server without limits", () => {
    expect(validateAmount("500", null)).toBeUndefined();
    expect(validateAmount("12.5", null)).toMatch(/whole rupiah/);
  });
});

describe("NewPaymentPage", () => {
  // GET /api/payment/limits is answered by `limits`; every other call goes to `api`, in order.
  type ApiCall = (url: string, init: { method: string; body: string; headers: Record<string, string> }) => Promise<Response>;
  let limits: () => Promise<Response>;
  let api: Mock<ApiCall>;
  beforeEach(() => {
    limits = async () => json(200, DEFAULT_LIMITS);
    api = vi.fn<ApiCall>();
    fetchMock.mockImplementation((url: string, init: Parameters<ApiCall>[1]) => (url === "/api/payment/limits" ? limits() : api(url, init)));
  });

  async function submitAmount(text: string) {
    const input = screen.getByLabelText("Amount (Rp)");
    await userEvent.clear(input);
    await userEvent.type(input, text);
    await userEvent.click(screen.getByRole("button", { name: "Create payment" }));
  }

  it("takes a description as long as the server does (255 characters)", () => {
    renderAt("/payment/new", <NewPaymentPage />);
    expect(screen.getByLabelText("Description (optional)")).toHaveAttribute("maxLength", "255");
  });

  it("validates the amount before sending", async () => {
    renderAt("/payment/new", <NewPaymentPage />);
    await submitAmount("abc");
    expect(screen.getByLabelText("Amount (Rp)")).toHaveAccessibleDescription(/whole rupiah/i);
    expect(api).not.toHaveBeenCalled();
  });

  it("checks the amount against the limits the server sends", async () => {
    limits = async () => json(200, { minAmount: 20000, maxAmount: 30000000, currency: "IDR" });
    api.mockResolvedValue(json(201, pending));
    renderAt("/payment/new", <NewPaymentPage />);
    const input = screen.getByLabelText("Amount (Rp)");
    await waitFor(() => expect(input).toHaveAccessibleDescription(/from Rp 20\.000 to Rp 30\.000\.000/));
    const [, init] = fetchMock.mock.calls.find(([url]) => url === "/api/payment/limits")!;
    expect(init.method).toBe("GET");
    expect(init.headers.Authorization).toBe("Bearer acc");
    await submitAmount("15000");
    expect(input).toHaveAccessibleDescription(/The minimum is Rp 20\.000\./);
    await submitAmount("40.000.000");
    expect(input).toHaveAccessibleDescription(/The maximum is Rp 30\.000\.000\./);
    expect(api).not.toHaveBeenCalled();
    await submitAmount("25000");
    await waitFor(() => expect(window.location.pathname).toBe("/payment/payments/p1"));
    expect(JSON.parse(api.mock.calls[0][1].body).amount).toBe(25000);
  });

  it.each([
    ["are still loading", () => new Promise<Response>(() => undefined)],
    ["failed with a 500", async () => json(500, envelope("internal_error"))],
    ["met a network error", () => Promise.reject(new TypeError("Failed to fetch"))],
    ["are not served (404)", async () => json(404, envelope("not_found"))],
  ])("sends any whole amount and shows the server's verdict while the limits %s", async (_, answer) => {
    limits = answer;
    api.mockResolvedValue(json(422, envelope("amount_out_of_bounds", [{ field: "amount", min: 10000, max: 50000000 }])));
    renderAt("/payment/new", <NewPaymentPage />);
    await waitFor(() => expect(fetchMock).toHaveBeenCalledWith("/api/payment/limits", expect.anything()));
    await submitAmount("500");
    expect(await screen.findByRole("alert")).toHaveTextContent("The amount is outside the allowed range.");
    expect(JSON.parse(api.mock.calls[0][1].body).amount).toBe(500);
    const input = screen.getByLabelText("Amount (Rp)");
    expect(input).toHaveAccessibleDescription(/Check this value/);
    expect(input).not.toHaveAccessibleDescription(/minimum|maximum|from Rp/);
    // The server named the amount: focus goes to it, not to <body> from the disabled submit button.
    await waitFor(() => expect(input).toHaveFocus());
    expect(input).toHaveValue("500");
  });

  // Submits the same form twice, the first answered by `first`; returns the two Idempotency-Keys.
  async function keysAfter(first: () => Promise<Response>) {
    api.mockImplementationOnce(first).mockResolvedValueOnce(json(201, pending));
    renderAt("/payment/new", <NewPaymentPage />);
    await userEvent.type(screen.getByLabelText("Amount (Rp)"), "150000");
    await userEvent.selectOptions(screen.getByLabelText("Method"), "qris");
    await userEvent.click(screen.getByRole("button", { name: "Create payment" }));
    await screen.findByRole("alert");
    await userEvent.click(screen.getByRole("button", { name: "Create payment" }));
    await waitFor(() => expect(window.location.pathname).toBe("/payment/payments/p1"));
    const [url, init] = api.mock.calls[0];
    expect(url).toBe("/api/payment/payments");
    expect(JSON.parse(init.body)).toEqual({ amount: 150000, method: "qris", description: null });
    expect(init.headers.Authorization).toBe("Bearer acc");
    const keys = api.mock.calls.map(([, call]) => call.headers["Idempotency-Key"]);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f-]{32,36}$/);
    return keys;
  }

  it.each([
    ["a network error", () => Promise.reject(new TypeError("Failed to fetch"))],
    ["a gateway 504", async () => new Response("<html>504</html>", { status: 504 })],
    ["a 504 envelope without paymentId", async () => json(504, envelope("gateway_timeout"))],
    ["a gateway 502 without paymentId", async () => json(502, envelope("bad_gateway"))],
    ["a 500", async () => json(500, envelope("internal_error"))],
    ["a 503", async () => json(503, envelope("service_unavailable"))],
  ])("keeps the Idempotency-Key after %s: the first attempt may have been stored", async (_, first) => {
    const [key, retryKey] = await keysAfter(first);
    expect(retryKey).toBe(key);
  });

  it.each([
    ["a 504 naming the failed payment", async () => json(504, envelope("gateway_timeout", [{ paymentId: "p0" }]))],
    ["a bank refusal naming the failed payment", async () => json(502, envelope("gateway_rejected", [{ paymentId: "p0" }]))],
    ["a 409", async () => json(409, envelope("idempotency_key_reused"))],
    ["a 422", async () => json(422, envelope("amount_out_of_bounds", [{ field: "amount", min: 10000, max: 50000000 }]))],
  ])("uses a new Idempotency-Key after %s: the server decided that attempt", async (_, first) => {
    const [key, retryKey] = await keysAfter(first);
    expect(retryKey).not.toBe(key);
  });

  it("warns while an attempt's outcome is unknown, until the same details get a definite answer", async () => {
    const notice = () => screen.queryByText(/Your previous attempt may have gone through/);
    api
      .mockResolvedValueOnce(json(504, envelope("gateway_timeout")))
      .mockResolvedValueOnce(json(422, envelope("amount_out_of_bounds", [{ field: "amount", min: 10000, max: 50000000 }])))
      .mockResolvedValueOnce(json(409, envelope("idempotency_key_reused")));
    renderAt("/payment/new", <NewPaymentPage />);
    await submitAmount("150000");
    await waitFor(() => expect(notice()).toBeInTheDocument());
    expect(notice()).toHaveTextContent("check My payments before trying again");
    expect(screen.getByRole("link", { name: "My payments" })).toHaveAttribute("href", "/payment/");
    // Changed details are a new attempt: its answer says nothing about the first one.
    await submitAmount("160000");
    await waitFor(() => expect(api).toHaveBeenCalledTimes(2));
    await screen.findByText("The amount is outside the allowed range.");
    expect(notice()).toBeInTheDocument();
    // The first details again: the same key, and the server's answer settles it.
    await submitAmount("150000");
    await waitFor(() => expect(api).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(notice()).toBeNull());
    const keys = api.mock.calls.map(([, init]) => init.headers["Idempotency-Key"]);
    expect(keys[2]).toBe(keys[0]);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it("shows 422 details next to the amount", async () => {
    api.mockResolvedValue(json(422, envelope("validation_failed", [{ field: "amount", message: "Amount exceeds the limit" }])));
    renderAt("/payment/new", <NewPaymentPage />);
    await submitAmount("49000000");
    await waitFor(() => expect(screen.getByLabelText("Amount (Rp)")).toHaveAccessibleDescription(/Amount exceeds the limit/));
  });
});

describe("PaymentDetailPage", () => {
  it("shows the VA number, counts down and polls until paid", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    // An hour from now, measured here: the file's own `pending` was made when it loaded, seconds earlier.
    const fresh = { ...pending, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    fetchMock
      .mockResolvedValueOnce(json(200, fresh))
      .mockResolvedValueOnce(json(200, fresh))
      .mockResolvedValueOnce(json(200, { ...fresh, status: "paid", paidAt: new Date().toISOString() }));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByTestId("va-number")).toHaveTextContent("7777700012345678");
    expect(screen.getByTestId("countdown").textContent).toMatch(/^(59:5\d|1:00:00)$/);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 2 + 10);
    });
    await waitFor(() => expect(screen.getByText("Paid")).toBeInTheDocument());
    const calls = fetchMock.mock.calls.length;
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3);
    });
    expect(fetchMock.mock.calls.length).toBe(calls);
  });

  // Fake timers only, advanced by hand: each step also settles the promises it released.
  async function advance(ms: number) {
    await act(async () => {
      await vi.advanceTimersByTimeAsync(ms);
    });
  }
  const gets = () => fetchMock.mock.calls.filter(([url]) => url === "/api/payment/payments/p1").length;

  it("never starts a poll while the last one is still waiting, and stops at unmount", async () => {
    vi.useFakeTimers();
    let answer!: (response: Response) => void;
    fetchMock
      .mockResolvedValueOnce(json(200, pending))
      .mockReturnValueOnce(new Promise<Response>((resolve) => { answer = resolve; }))
      .mockImplementation(async () => json(200, pending));
    const view = renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await advance(0);
    expect(screen.getByTestId("va-number")).toBeInTheDocument();
    await advance(POLL_INTERVAL_MS * 4);
    expect(gets()).toBe(2);
    answer(json(200, pending));
    await advance(POLL_INTERVAL_MS);
    expect(gets()).toBe(3);
    view.unmount();
    await advance(POLL_INTERVAL_MS * 3);
    expect(gets()).toBe(3);
  });

  it("waits as long as Retry-After says after a 429", async () => {
    vi.useFakeTimers();
    fetchMock
      .mockResolvedValueOnce(json(200, pending))
      .mockResolvedValueOnce(json(429, envelope("rate_limited"), { "Retry-After": "10" }))
      .mockImplementation(async () => json(200, pending));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await advance(0);
    await advance(POLL_INTERVAL_MS);
    expect(gets()).toBe(2);
    expect(screen.getByRole("alert")).toHaveTextContent("Too many attempts.");
    await advance(9_900);
    expect(gets()).toBe(2);
    await advance(200);
    expect(gets()).toBe(3);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("pauses while the tab is hidden and polls again when it is shown", async () => {
    vi.useFakeTimers();
    let hidden = false;
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    try {
      fetchMock.mockImplementation(async () => json(200, pending));
      renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
      await advance(0);
      await advance(POLL_INTERVAL_MS);
      expect(gets()).toBe(2);
      hidden = true;
      await advance(POLL_INTERVAL_MS * 5);
      expect(gets()).toBe(2);
      hidden = false;
      document.dispatchEvent(new Event("visibilitychange"));
      await advance(0);
      expect(gets()).toBe(3);
      await advance(POLL_INTERVAL_MS);
      expect(gets()).toBe(4);
    } finally {
      delete (document as { hidden?: boolean }).hidden;
    }
  });

  it("cancels only after the confirmation, and once", async () => {
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => json(200, init.method === "POST" ? { ...pending, status: "cancelled" } : pending));
    const posts = () => fetchMock.mock.calls.filter(([, init]) => init.method === "POST");
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    const opener = await screen.findByRole("button", { name: "Cancel payment" });
    await userEvent.click(opener);
    const dialog = screen.getByRole("alertdialog", { name: "Cancel this payment?" });
    expect(dialog).toHaveAccessibleDescription(/Rp\s150\.000/);
    expect(within(dialog).getByRole("button", { name: "Keep payment" })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep payment" }));
    expect(opener).toHaveFocus();
    await userEvent.click(opener);
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(posts()).toEqual([]);
    await userEvent.click(opener);
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel payment" }));
    expect(await screen.findByText("Cancelled")).toBeInTheDocument();
    expect(posts()).toEqual([["/api/payment/payments/p1/cancel", expect.anything()]]);
  });

  it.each([
    ["cancelled", json(200, { ...pending, status: "cancelled" }), "Cancelled"],
    ["refused", json(409, envelope("invalid_payment_state")), "This payment can no longer be cancelled."],
  ])("moves focus to the heading once the cancel is %s, not to <body>", async (_outcome, answer, shown) => {
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => (init.method === "POST" ? answer : json(200, pending)));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: "Cancel payment" }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Cancel payment" }));
    expect(await screen.findByText(shown)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByRole("heading", { level: 1, name: "Payment" })).toHaveFocus());
  });

  it.each([
    ["a BRIVA", pending, () => screen.queryByTestId("va-number")],
    ["a QRIS", { ...pending, method: "qris", virtualAccountNo: null, qrContent: "00020101021226610016ID.CO.BRI.WWW" }, () => screen.queryByRole("img", { name: /QRIS code/ })],
  ])("stops showing how to pay %s payment once it expired, and keeps polling", async (_, payment, instructions) => {
    // The clock also moves with real time, which drawing the QR code takes.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const expiring = { ...payment, expiresAt: new Date(Date.now() + 60_000).toISOString() };
    fetchMock.mockImplementation(async () => json(200, expiring));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await waitFor(() => expect(instructions()).toBeInTheDocument());
    expect(screen.getByTestId("countdown")).toBeInTheDocument();
    expect(screen.queryByText(/Do not pay/)).toBeNull();
    await advance(61_000);
    expect(instructions()).toBeNull();
    expect(screen.queryByText(/Pay exactly/)).toBeNull();
    expect(screen.queryByText("7777700012345678")).toBeNull();
    expect(screen.queryByTestId("countdown")).toBeNull();
    expect(screen.getByText(/Do not pay: this payment has expired/)).toBeInTheDocument();
    const polled = gets();
    await advance(POLL_INTERVAL_MS);
    expect(gets()).toBeGreaterThan(polled);
  });

  it("renders a QRIS code as a local image", async () => {
    fetchMock.mockResolvedValue(json(200, { ...pending, method: "qris", virtualAccountNo: null, qrContent: "00020101021226610016ID.CO.BRI.WWW" }));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    const img = await screen.findByRole("img", { name: /QRIS code/ });
    expect(img.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  });

  it("explains when the dev simulator endpoint is missing", async () => {
    fetchMock.mockResolvedValueOnce(json(200, pending)).mockResolvedValueOnce(json(404, envelope("not_found")));
    renderAt("/payment/payments/p1", <PaymentDetailPage id="p1" />);
    await userEvent.click(await screen.findByRole("button", { name: /Simulate customer payment/ }));
    expect(await screen.findByText(/simulator is not available/)).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[1][1].body)).toEqual({ paymentId: "p1" });
  });
});
