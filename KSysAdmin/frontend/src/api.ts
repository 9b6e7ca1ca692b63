import { ApiClient, ApiError, TokenStore, asPage, type Page, type Query, type RequestOptions, type TokenPair } from "@kservices/shared";

// Admin tokens are short-lived and kept in memory only: a reload asks the admin to sign in again.
export const tokens = new TokenStore();

// Roles from the admin login answer, kept next to the token (memory only) to hide superadmin-only pages.
let currentRoles: string[] = [];
export const adminRoles = {
  get: () => currentRoles,
  set: (roles: string[] | undefined) => {
    currentRoles = roles ?? [];
  },
};

// No refresh token: a 401 session error drops the token (ApiClient), which the app shows as an ended session.
// While there is no token nothing is sent, so a page keeps its edits until the admin signs in again in place.
class AdminClient extends ApiClient {
  override request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    if (options.auth !== false && !tokens.getAccessToken()) {
      tokens.clear();
      return Promise.reject(new ApiError({ status: 401, code: "token_expired", message: "The admin session ended." }));
    }
    return super.request<T>(method, path, options);
  }
}

export const client = new AdminClient({ tokens });

export type UserStatus = "pending_verification" | "active" | "locked" | "disabled" | "deleted";
export const ROLES = ["user", "admin", "superadmin"] as const;

export interface AdminUser {
  id: string;
  email: string;
  displayName?: string | null;
  status: UserStatus;
  roles: string[];
  emailVerifiedAt?: string | null;
  mfaEnabled?: boolean;
  lockedUntil?: string | null;
  createdAt: string;
  lastLoginAt?: string | null;
  deletedAt?: string | null;
}

export interface AdminSession {
  id: string;
  ip: string | null;
  userAgent?: string | null;
  deviceFingerprint?: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt?: string | null;
  revokedReason?: string | null;
}

export interface AuditEntry {
  id: string;
  createdAt: string;
  actorId: string | null;
  actorType?: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip?: string | null;
  requestId?: string | null;
  outcome: string;
  details?: unknown;
}

export interface AdminUserDetail extends AdminUser {
  sessions?: AdminSession[];
  paymentSummary?: { total: number; byStatus?: Record<string, number>; paidAmount?: number } | null;
  recentAudit?: AuditEntry[];
}

export interface AdminPayment {
  id: string;
  userId: string;
  userEmail?: string | null;
  amount: number;
  method: string;
  status: string;
  description?: string | null;
  virtualAccountNo?: string | null;
  partnerReferenceNo?: string | null;
  briReferenceNo?: string | null;
  createdAt: string;
  paidAt?: string | null;
  expiresAt?: string | null;
  failureReason?: string | null;
  flaggedReason?: string | null;
  // Set once an admin recorded the flag as handled (POST payments/{id}/flag/resolve); the status never changes.
  flagResolvedAt?: string | null;
  flagResolvedBy?: string | null;
  flagResolution?: string | null;
  updatedAt: string;
}

export interface PaymentEvent {
  id: string;
  kind: string;
  dedupeKey: string;
  signatureValid: boolean;
  outcome: string;
  raw: unknown;
  receivedAt: string;
}

export interface AdminPaymentDetail extends AdminPayment {
  events: PaymentEvent[];
}

export interface DailyStat {
  date: string;
  signups: number;
  logins: number;
  failedLogins: number;
  payments: number;
  paidAmount: number;
}

export interface CorsSettings {
  origins: string[];
  version: number;
  updatedAt?: string | null;
  updatedBy?: string | null;
}

export interface RateLimitRule {
  routeGroup: string;
  scope: "ip" | "user";
  limit: number;
  windowSeconds: number;
  failMode: "open" | "closed";
  enabled: boolean;
  id?: string;
}

export interface RateLimitSettings {
  rules: RateLimitRule[];
  // The gateway's built-in rule of every route group it accepts, unscaled (docs/adminApi.md).
  defaults: RateLimitRule[];
  // The route groups whose requests carry no signed-in user: their rules take scope ip only.
  anonymousGroups: string[];
  version: number;
  updatedAt?: string | null;
  updatedBy?: string | null;
}

const list = async <T,>(path: string, query: Query): Promise<Page<T>> => asPage<T>(await client.get<unknown>(path, { query }));
const id = (value: string) => encodeURIComponent(value);

export const adminApi = {
  login: (input: { email: string; password: string; totpCode?: string; recoveryCode?: string }) =>
    client.post<TokenPair & { roles?: string[] }>("/api/admin/auth/login", input, { auth: false }),
  stats: (days = 30) => client.get<{ days: DailyStat[] }>("/api/admin/stats/daily", { query: { days } }),
  // The admin service reads the email prefix from `emailPrefix`.
  users: (query: Query) => list<AdminUser>("/api/admin/users", query),
  user: (userId: string) => client.get<AdminUserDetail>(`/api/admin/users/${id(userId)}`),
  userAction: (userId: string, action: "lock" | "unlock" | "disable" | "enable", reason?: string) =>
    client.post<AdminUser>(`/api/admin/users/${id(userId)}/${action}`, reason ? { reason } : {}),
  revokeSessions: (userId: string) => client.post<unknown>(`/api/admin/users/${id(userId)}/sessions/revoke`, {}),
  resetMfa: (userId: string) => client.post<AdminUser>(`/api/admin/users/${id(userId)}/mfa/reset`, {}),
  setRoles: (userId: string, roles: string[]) => client.put<AdminUser>(`/api/admin/users/${id(userId)}/roles`, { roles }),
  auditLogs: (query: Query) => list<AuditEntry>("/api/admin/audit-logs", query),
  payments: (query: Query) => list<AdminPayment>("/api/admin/payments", query),
  payment: (paymentId: string) => client.get<AdminPaymentDetail>(`/api/admin/payments/${id(paymentId)}`),
  // `updatedAt` exactly as the detail gave it: a payment changed since (a new flag) answers 409 payment_changed.
  resolveFlag: (paymentId: string, input: { resolution: string; updatedAt: string }) =>
    client.post<AdminPaymentDetail>(`/api/admin/payments/${id(paymentId)}/flag/resolve`, input),
  cors: () => client.get<CorsSettings>("/api/admin/settings/cors"),
  saveCors: (input: { origins: string[]; version: number }) => client.put<CorsSettings>("/api/admin/settings/cors", input),
  rateLimits: () => client.get<RateLimitSettings>("/api/admin/settings/rate-limits"),
  saveRateLimits: (input: { rules: RateLimitRule[]; version: number }) =>
    client.put<RateLimitSettings>("/api/admin/settings/rate-limits", input),
};
