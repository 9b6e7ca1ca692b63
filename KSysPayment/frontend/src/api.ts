import { asPage, createUserApi, type Page } from "@kservices/shared";

export const { client, tokens } = createUserApi();

export type PaymentMethod = "briva" | "qris";
export type PaymentStatus = "pending" | "paid" | "expired" | "cancelled" | "failed";

export interface Payment {
  id: string;
  amount: number;
  currency?: string;
  method: PaymentMethod;
  status: PaymentStatus;
  description: string | null;
  virtualAccountNumber?: string | null;
  qrContent?: string | null;
  expiresAt: string | null;
  paidAt?: string | null;
  createdAt: string;
  failureReason?: string | null;
}

// GET /api/payment/limits: the amount bounds the server enforces (PAYMENT_MIN_AMOUNT / PAYMENT_MAX_AMOUNT).
export interface PaymentLimits {
  minAmount: number;
  maxAmount: number;
  currency: string;
}

export const FINAL_STATUSES: PaymentStatus[] = ["paid", "expired", "cancelled", "failed"];

export function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

type RawPayment = Payment & { virtualAccountNo?: string | null };

// The payment service names the VA field virtualAccountNo and may wrap a create answer as
// {payment, created}; the pages see one shape.
export function normalisePayment(raw: RawPayment | { payment: RawPayment }): Payment {
  const payment = "payment" in raw && raw.payment ? raw.payment : (raw as RawPayment);
  return { ...payment, virtualAccountNumber: payment.virtualAccountNumber ?? payment.virtualAccountNo ?? null };
}

export const paymentApi = {
  create: async (input: { amount: number; method: PaymentMethod; description: string | null }, idempotencyKey: string) =>
    normalisePayment(await client.post<RawPayment>("/api/payment/payments", input, { headers: { "Idempotency-Key": idempotencyKey } })),
  list: async (filters: { status?: string; method?: string; cursor?: string | null; limit?: number }): Promise<Page<Payment>> => {
    const page = asPage<RawPayment>(await client.get<unknown>("/api/payment/payments", { query: { limit: 20, ...filters } }));
    return { items: page.items.map(normalisePayment), nextCursor: page.nextCursor };
  },
  get: async (id: string) => normalisePayment(await client.get<RawPayment>(`/api/payment/payments/${encodeURIComponent(id)}`)),
  cancel: async (id: string) => normalisePayment(await client.post<RawPayment>(`/api/payment/payments/${encodeURIComponent(id)}/cancel`)),
  limits: () => client.get<PaymentLimits>("/api/payment/limits"),
  // The simulator notifies the server before it answers: the answer is the payment after it (paid, or still pending).
  simulate: async (paymentId: string) => normalisePayment(await client.post<RawPayment>("/api/payment/dev/simulate-payment", { paymentId })),
};
