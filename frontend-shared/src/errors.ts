// Details come from the server in many shapes; none of these keys is guaranteed.
export interface ErrorDetail {
  field?: string;
  location?: string;
  message?: string;
  type?: string;
  [key: string]: unknown;
}

export interface ErrorEnvelope {
  error: {
    code: string;
    message: string;
    requestId?: string | null;
    details?: ErrorDetail[];
  };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly details: ErrorDetail[];
  readonly retryAfter: number | null;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    requestId?: string | null;
    details?: ErrorDetail[];
    retryAfter?: number | null;
  }) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.details = init.details ?? [];
    this.retryAfter = init.retryAfter ?? null;
  }

  fieldErrors(): Record<string, string> {
    return fieldErrorsOf(this.details);
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

// Retry-After is either delta-seconds or an HTTP date.
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (!body || typeof body !== "object") return false;
  const error = (body as { error?: unknown }).error;
  return !!error && typeof error === "object" && typeof (error as { code?: unknown }).code === "string";
}

const STATUS_FALLBACK: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  403: "permission_denied",
  404: "not_found",
  409: "conflict",
  422: "validation_failed",
  429: "rate_limited",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

export function apiErrorFrom(status: number, body: unknown, headers: Headers): ApiError {
  const headerRequestId = headers.get("X-Request-ID");
  // A Retry-After date counts from the answer's own Date (the server's clock), else from the browser's.
  const answeredAt = Date.parse(headers.get("Date") ?? "");
  let retryAfter = parseRetryAfter(headers.get("Retry-After"), Number.isNaN(answeredAt) ? Date.now() : answeredAt);
  if (isEnvelope(body)) {
    const { code, message, requestId } = body.error;
    const details = detailsOf(body.error.details);
    if (retryAfter === null) {
      const hint = details.find((d) => typeof d.retryAfter === "number");
      if (hint) retryAfter = hint.retryAfter as number;
    }
    return new ApiError({
      status,
      code,
      message: message || "Request failed",
      requestId: requestId ?? headerRequestId,
      details,
      retryAfter,
    });
  }
  return new ApiError({
    status,
    code: STATUS_FALLBACK[status] ?? (status >= 500 ? "internal_error" : "http_error"),
    message: `Request failed with status ${status}`,
    requestId: headerRequestId,
    retryAfter,
  });
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter((detail): detail is ErrorDetail => !!detail && typeof detail === "object" && !Array.isArray(detail));
}

// Backend fields arrive as "email", "body.email" or "rules.0.limit"; strip the location prefix.
export function normaliseField(field: unknown, location?: unknown): string {
  if (typeof field !== "string" || !field) return "";
  let name = field;
  for (const prefix of ["body.", "query.", "path.", "header."]) {
    if (name.startsWith(prefix)) name = name.slice(prefix.length);
  }
  if (location && name === location) return "";
  return name;
}

export function fieldErrorsOf(details: ErrorDetail[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const detail of details) {
    const field = normaliseField(detail.field, detail.location);
    if (!field || out[field]) continue;
    out[field] = humaniseDetail(detail.message);
  }
  return out;
}

// A detail without a text of its own (such as {field, min, max}) still marks its field.
function humaniseDetail(message: unknown): string {
  if (typeof message !== "string" || !message.trim()) return "Check this value.";
  const text = message.replace(/^Value error, /, "");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const MESSAGES: Record<string, string> = {
  unauthenticated: "Please sign in to continue.",
  invalid_credentials: "The email or password is incorrect.",
  invalid_token: "This link or session is no longer valid. Please sign in again.",
  session_revoked: "Your session was ended. Please sign in again.",
  token_expired: "Your session has expired. Please sign in again.",
  email_not_verified: "Please verify your email address first: open the link we emailed you.",
  account_locked: "This account is locked. Try again later or contact support.",
  account_disabled: "This account has been disabled. Contact support if you think this is a mistake.",
  mfa_required: "Enter the code from your authenticator app to finish signing in.",
  invalid_mfa_code: "That code is not valid. Check your authenticator app and try again.",
  mfa_already_enabled: "Two-factor authentication is already enabled.",
  mfa_not_enabled: "Two-factor authentication is not enabled.",
  validation_failed: "Some fields need attention.",
  invalid_input: "The request is invalid.",
  bad_request: "The request is invalid.",
  weak_password: "Choose a stronger password.",
  email_taken: "An account with this email already exists.",
  duplicate_email: "An account with this email already exists.",
  rate_limited: "Too many attempts. Please wait and try again.",
  conflict: "This changed while you were working on it. Reload and try again.",
  version_conflict: "Someone else changed these settings. Reload to see the latest version, then try again.",
  idempotency_conflict: "This request was already sent with different details. Start a new payment.",
  not_found: "We could not find what you were looking for.",
  permission_denied: "You are not allowed to do this.",
  payment_not_cancellable: "This payment can no longer be cancelled.",
  invalid_state: "This action is not possible in the current state.",
  service_unavailable: "The service is temporarily unavailable. Please try again shortly.",
  bad_gateway: "The service is temporarily unreachable. Please try again shortly.",
  gateway_timeout: "The service took too long to answer. Please try again.",
  upstream_error: "The payment provider did not answer correctly. Please try again.",
  payload_too_large: "The request is too large.",
  network_error: "Cannot reach the server. Check your connection and try again.",
  internal_error: "Something went wrong on our side.",
  // Codes the backends define beyond the common set.
  token_invalid_or_used: "This link is invalid, already used or expired.",
  refresh_token_reused: "Your session was ended for your security. Please sign in again.",
  session_not_found: "That session no longer exists.",
  invalid_password: "The password is incorrect.",
  mfa_not_set_up: "Start the two-factor setup first.",
  insufficient_role: "Your role does not allow this.",
  cannot_target_self: "You cannot do this to your own account.",
  last_superadmin: "The last superadmin cannot be demoted, locked or disabled.",
  invalid_status_transition: "The user is not in a state that allows this.",
  user_not_found: "No user with this id.",
  payment_not_found: "This payment does not exist or is not yours.",
  stale_version: "Someone else changed these settings. Reload to see the latest version, then try again.",
  invalid_setting: "Some settings are not valid.",
  invalid_cursor: "This page of results is no longer valid. Go back to the first page.",
  amount_out_of_bounds: "The amount is outside the allowed range.",
  idempotency_key_reused: "This request was already sent with different details. Start a new payment.",
  invalid_idempotency_key: "The request could not be sent safely. Reload the page and try again.",
  invalid_payment_state: "This payment can no longer be changed.",
  simulator_failed: "The payment simulator could not pay this payment.",
  gateway_unavailable: "The bank is not reachable right now. Please try again shortly.",
  gateway_rejected: "The bank refused this payment request.",
  gateway_auth_failed: "The payment provider is misconfigured. Please try again later.",
  gateway_bad_response: "The bank answered unexpectedly. Please try again.",
  gateway_conflict: "The bank reported a conflict for this payment. Please try again.",
  gateway_not_found: "The bank does not know this payment.",
  gateway_duplicate_external_id: "The bank saw a duplicate request. Please try again.",
  virtual_account_number_taken: "No free virtual account number was found, so nothing was created. Please try again.",
  origin_not_allowed: "This page's address is not one the account service accepts. Open the site at its usual address and try again.",
  payments_pending: "Finish or cancel your pending payments before deleting the account.",
  payments_unsettled: "One of your payments may still be paid (a cancelled or expired QR code stays payable for a while) or is being reviewed by our staff. You can delete the account once it is settled.",
  admin_account: "An administrator's account can be deleted only after another administrator removes its admin roles.",
  account_deleted: "The user deleted this account, so it can no longer be changed.",
  // The gateway's and the servers' refusals of a request the page itself got wrong (a bug: the request id helps).
  unsupported_media_type: "The request could not be sent in the expected format. Reload the page and try again.",
  method_not_allowed: "The request could not be sent in the expected format. Reload the page and try again.",
  uri_too_long: "The address of this request is too long: use shorter filters and try again.",
  headers_too_large: "The request headers are too large. Clear this site's cookies, then sign in again.",
};

// Codes whose message also gives the request id, for a report to support.
const WITH_REFERENCE = new Set(["internal_error", "unsupported_media_type", "method_not_allowed", "headers_too_large"]);

// Codes whose message counts down to their Retry-After, and the sentence before "Try again in N s.".
const RETRY_LEADS = new Map([
  ["rate_limited", "Too many attempts."],
  ["account_locked", "This account is locked."],
]);

export function knownErrorCodes(): string[] {
  return Object.keys(MESSAGES);
}

// The Retry-After (seconds) that the message of this error counts down from, if it shows one.
export function countdownSeconds(error: unknown): number | null {
  return isApiError(error) && RETRY_LEADS.has(error.code) ? error.retryAfter : null;
}

// Whether asking again may work: no answer, a rate limit or a server-side failure (not a refusal such as a 404).
export function isTransient(error: unknown): boolean {
  return isApiError(error) && (error.status === 0 || error.status === 429 || error.status >= 500);
}

// A wait as people say it: seconds up to two minutes, then whole minutes (rounded up: never sooner than the server
// allows), then hours and minutes. A 15-minute lockout reads "15 min", not "900 s".
export function formatWait(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

// The text shown to users for an error; overrides let a page reword a code in its own context.
export function errorMessage(error: unknown, overrides: Record<string, string> = {}): string {
  if (!isApiError(error)) {
    return "Something went wrong. Please try again.";
  }
  const lead = RETRY_LEADS.get(error.code);
  if (lead && (error.retryAfter !== null || error.code === "rate_limited")) {
    const base = overrides[error.code] ?? lead;
    if (error.retryAfter === null) return `${base} Please wait a moment and try again.`;
    return error.retryAfter > 0 ? `${base} Try again in ${formatWait(error.retryAfter)}.` : `${base} You can try again now.`;
  }
  const text = overrides[error.code] ?? MESSAGES[error.code];
  if (text) {
    if (WITH_REFERENCE.has(error.code) && error.requestId) {
      return `${text} Reference: ${error.requestId}.`;
    }
    return text;
  }
  const suffix = error.requestId ? ` Reference: ${error.requestId}.` : "";
  const detail = error.message && !error.message.startsWith("Request failed") ? ` (${error.message})` : "";
  return `Something went wrong${detail}.${suffix}`;
}
