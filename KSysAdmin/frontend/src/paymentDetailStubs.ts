import type { Mock } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";

// The payment detail's test data and a fetch that answers its three calls by route.
export const LOADED_AT = "2026-01-02T03:04:05.123456Z";
export const payment = {
  id: "p1", userId: "u1", amount: 150000, currency: "IDR", method: "briva", status: "paid", description: null,
  virtualAccountNo: "7777700012345678", partnerReferenceNo: "KS-1", briReferenceNo: null, expiresAt: "2026-01-01T01:00:00Z",
  paidAt: "2026-01-01T02:00:00Z", failureReason: null, flaggedReason: "late payment: refund", flagResolvedAt: null, flagResolvedBy: null,
  flagResolution: null, createdAt: "2026-01-01T00:00:00Z", updatedAt: LOADED_AT, events: [],
};
export const resolved = { ...payment, flagResolvedAt: "2026-01-03T10:00:00Z", flagResolvedBy: "admin-7", flagResolution: "refunded via BRI portal, ticket 123", updatedAt: "2026-01-03T10:00:00.5Z" };

export const HISTORY_URL = "/api/admin/audit-logs?targetType=payment&targetId=p1&limit=50";
export const auditPage = (items: object[], nextCursor: string | null = null) => json(200, { items, nextCursor });
export const auditEntry = (id: string, action: string, createdAt: string, more: object = {}) => ({
  id, action, createdAt, actorId: null, actorType: "system", targetType: "payment", targetId: "p1", ip: null, requestId: null,
  outcome: "success", details: null, ...more,
});

// GET payments/{id}, POST .../flag/resolve and GET audit-logs each answer from their own list in order; the last
// answer of a list repeats. The audit log is an empty page unless given.
export function serveDetail(fetchMock: Mock, answers: { payment: Response[]; resolve?: Response[]; audit?: Response[] }) {
  const queues = { payment: [...answers.payment], resolve: [...(answers.resolve ?? [])], audit: [...(answers.audit ?? [auditPage([])])] };
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    const queue = url.startsWith("/api/admin/audit-logs") ? queues.audit : init.method === "POST" ? queues.resolve : queues.payment;
    if (queue.length === 0) throw new Error(`no answer for ${init.method} ${url}`);
    return queue.length === 1 ? queue[0].clone() : queue.shift()!;
  });
}

// The calls whose URL starts with `path` (and, when given, with that method).
export const callsTo = (fetchMock: Mock, path: string, method?: string) =>
  fetchMock.mock.calls.filter(([url, init]) => String(url).startsWith(path) && (!method || init.method === method));
