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

// The flag history's two reads, one per action (in the order the page makes them).
export const HISTORY_URLS = ["payment.flagged", "payment.flag_resolved"]
  .map((action) => `/api/admin/audit-logs?targetType=payment&targetId=p1&action=${action}&limit=200`);
export const auditPage = (items: object[], nextCursor: string | null = null) => json(200, { items, nextCursor });
export const auditEntry = (id: string, action: string, createdAt: string, more: object = {}) => ({
  id, action, createdAt, actorId: null, actorType: "system", targetType: "payment", targetId: "p1", ip: null, requestId: null,
  outcome: "success", details: null, ...more,
});

type AuditRow = ReturnType<typeof auditEntry>;
type AuditAnswer = (url: string) => Response;

// The payment's audit log (entries newest first; the test may change the array between loads) answering GET
// audit-logs as the API does: only `action`'s entries when given, at most `limit`, a nextCursor when more match.
export const auditLog = (entries: AuditRow[]): AuditAnswer => (url) => {
  const query = new URL(url, "http://admin.test").searchParams;
  const action = query.get("action");
  const limit = Number(query.get("limit") ?? 50);
  const matching = entries.filter((entry) => !action || entry.action === action);
  return auditPage(matching.slice(0, limit), matching.length > limit ? "next-page" : null);
};

// GET payments/{id} and POST .../flag/resolve each answer from their own list in order; the last answer of a list
// repeats. GET audit-logs is answered by `audit` (an empty log unless given).
export function serveDetail(fetchMock: Mock, answers: { payment: Response[]; resolve?: Response[]; audit?: AuditAnswer }) {
  const queues = { payment: [...answers.payment], resolve: [...(answers.resolve ?? [])] };
  const audit = answers.audit ?? auditLog([]);
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    if (url.startsWith("/api/admin/audit-logs")) return audit(url);
    const queue = init.method === "POST" ? queues.resolve : queues.payment;
    if (queue.length === 0) throw new Error(`no answer for ${init.method} ${url}`);
    return queue.length === 1 ? queue[0].clone() : queue.shift()!;
  });
}

// The calls whose URL starts with `path` (and, when given, with that method).
export const callsTo = (fetchMock: Mock, path: string, method?: string) =>
  fetchMock.mock.calls.filter(([url, init]) => String(url).startsWith(path) && (!method || init.method === method));
