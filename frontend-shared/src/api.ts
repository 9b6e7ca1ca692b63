import { openAuthChannel, type AuthChannel } from "./authChannel";
import { ApiError, apiErrorFrom } from "./errors";
import { serverClock, type ServerClock } from "./serverClock";
import { TokenStore, type TokenPair } from "./tokens";

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  baseUrl?: string;
  tokens?: TokenStore;
  // Called when the server says the session is gone and a refresh could not bring it back.
  onAuthFailure?: (error: ApiError) => void;
  fetchImpl?: typeof fetch;
  // Learns the server's time from every answer's Date header; default: the apps' shared serverClock.
  clock?: ServerClock;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// A signed-in request answered 423 account_locked (too many wrong passwords in a re-authentication form) keeps
// its session: the lock ends by itself, and an admin's lock or disable ends sessions (401 session_revoked).
const SESSION_CODES = new Set(["invalid_token", "session_revoked", "token_expired", "unauthenticated"]);

export function buildQuery(query?: Query): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class ApiClient {
  readonly tokens: TokenStore | null;
  private readonly baseUrl: string;
  private readonly onAuthFailure?: (error: ApiError) => void;
  private readonly fetchImpl: typeof fetch;
  private readonly clock: ServerClock;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? "";
    this.tokens = options.tokens ?? null;
    this.onAuthFailure = options.onAuthFailure;
    this.fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
    this.clock = options.clock ?? serverClock;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const useAuth = options.auth !== false && this.tokens !== null;
    if (useAuth && this.tokens && !this.tokens.getAccessToken() && this.tokens.canRefresh()) {
      // A refresh that failed for a transient reason (no answer, 429, 5xx) is the error to show: sent without a
      // token, the request could only come back 401.
      if (!(await this.tokens.refresh())) {
        const failure = this.tokens.refreshFailure();
        if (failure) throw failure;
      }
    }
    try {
      return await this.send<T>(method, path, options, useAuth);
    } catch (error) {
      if (
        useAuth &&
        this.tokens &&
        error instanceof ApiError &&
        error.status === 401 &&
        SESSION_CODES.has(error.code)
      ) {
        if (error.code !== "session_revoked" && this.tokens.canRefresh()) {
          if (await this.tokens.refresh()) {
            try {
              return await this.send<T>(method, path, options, useAuth);
            } catch (retryError) {
              // A 401 with another code (a wrong invalid_mfa_code, say) is the form's error: the session stays.
              if (retryError instanceof ApiError && retryError.status === 401 && SESSION_CODES.has(retryError.code)) {
                this.tokens.clear();
                this.onAuthFailure?.(retryError);
              }
              throw retryError;
            }
          }
          // Only a refused refresh (400/401/403) ends the session; after a network error, 429 or 5xx it may still be
          // valid, and that failure (not the 401) tells the user what to do.
          if (this.tokens.canRefresh()) throw this.tokens.refreshFailure() ?? error;
        }
        this.tokens.clear();
        this.onAuthFailure?.(error);
      }
      throw error;
    }
  }

  private async send<T>(method: string, path: string, options: RequestOptions, useAuth: boolean): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    const token = useAuth ? this.tokens?.getAccessToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    const sentAt = Date.now();
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}${buildQuery(options.query)}`, {
        method,
        headers,
        body,
        credentials: "same-origin",
        signal: options.signal,
      });
    } catch (error) {
      if ((error as { name?: string }).name === "AbortError") throw error;
      throw new ApiError({ status: 0, code: "network_error", message: "Network error" });
    }
    this.clock.record(response.headers.get("Date"), sentAt, Date.now());
    const text = await response.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) throw apiErrorFrom(response.status, data, response.headers);
    return data as T;
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, options);
  }
  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }
  put<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PUT", path, { ...options, body });
  }
  patch<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>("PATCH", path, { ...options, body });
  }
  delete<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>("DELETE", path, options);
  }
}

// Lists may come as {items, nextCursor} (the contract) or as a bare array.
export function asPage<T>(data: unknown): Page<T> {
  if (Array.isArray(data)) return { items: data as T[], nextCursor: null };
  const page = (data ?? {}) as Partial<Page<T>>;
  return { items: page.items ?? [], nextCursor: page.nextCursor ?? null };
}

export function loginUrl(next?: string): string {
  const target = next ?? `${window.location.pathname}${window.location.search}`;
  return `/auth/login?next=${encodeURIComponent(target)}`;
}

// Browsers drop tabs and newlines from URLs and read a backslash as "/": "/\t/evil.example" is //evil.example.
const UNSAFE_URL_CHARS = /[\u0000-\u001f\u007f-\u009f\\]/;

// The three apps' paths: the only places `next` may lead to.
const APP_PREFIXES = ["/auth/", "/payment/", "/admin/"];

// Only paths of our apps are followed after login (no open redirects); the result is always a path. The check is on
// the resolved path, not the origin alone: "/.//evil.example" keeps this origin, but its dot segment resolves to the
// path "//evil.example", which location.assign reads as another host. A path under an app prefix never starts "//".
export function safeNext(value: string | null, fallback: string): string {
  if (!value || UNSAFE_URL_CHARS.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, window.location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== window.location.origin) return fallback;
  if (!APP_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

export interface UserApiOptions {
  fetchImpl?: typeof fetch;
  onAuthFailure?: (error: ApiError) => void;
  // The other tabs' sign-ins and sign-outs; default: the "kservices-auth" BroadcastChannel where there is one.
  channel?: AuthChannel | null;
  // Another user signed in (in another tab, or behind a refresh); default: reload, which starts as that user.
  onUserChanged?: () => void;
}

// The user-facing API (auth + payment): the refresh token travels only in the HttpOnly cookie.
export function createUserApi(options: UserApiOptions = {}) {
  const tokens = new TokenStore({
    channel: options.channel === undefined ? openAuthChannel() : options.channel,
    onUserChanged: options.onUserChanged ?? (() => window.location.reload()),
  });
  const client = new ApiClient({
    tokens,
    fetchImpl: options.fetchImpl,
    onAuthFailure:
      options.onAuthFailure ??
      (() => {
        window.location.assign(loginUrl());
      }),
  });
  tokens.setRefreshFunction(() => client.post<TokenPair>("/api/auth/refresh", undefined, { auth: false }));
  return { client, tokens };
}
