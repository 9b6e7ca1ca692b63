import type { AuthChannel, AuthMessage } from "./authChannel";

// Access tokens live in memory only. POST /api/auth/login and /refresh also return the refresh
// token in their JSON body (DESIGN section 5), but the app never keeps it: the HttpOnly cookie
// `kauth_refresh` (Path=/api/auth, SameSite=Strict) that the same answers set carries it, so a
// reload or a move between /auth/ and /payment/ restores the session by calling POST
// /api/auth/refresh with no body. See docs/frontend.md.

export interface TokenPair {
  accessToken: string;
  refreshToken?: string | null; // in the body, never read or stored
  tokenType?: string;
  expiresIn: number;
}

export type RefreshFn = () => Promise<TokenPair>;

const LOCK_NAME = "kservices-auth-refresh";

// Refresh one minute before expiry, or at 80% of the lifetime for tokens shorter than 5 min; never under 5 s.
export function refreshDelayMs(expiresInSeconds: number): number {
  const lifetime = Math.max(0, expiresInSeconds) * 1000;
  const delay = Math.max(lifetime - 60_000, lifetime * 0.8);
  return Math.max(5_000, Math.floor(delay));
}

// After a refresh that failed for a transient reason (no answer, 429, 5xx): 5 s, doubling up to a minute, and never
// sooner than the answer's Retry-After.
export function refreshRetryDelayMs(failures: number, retryAfterSeconds: number | null | undefined): number {
  const backoff = Math.min(60_000, 5_000 * 2 ** Math.max(0, failures - 1));
  return Math.max(backoff, (retryAfterSeconds ?? 0) * 1000);
}

// Tabs of one browser share the cookie: a Web Lock keeps their refreshes one at a time, so a tab
// never presents a token another tab has just rotated.
function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks?.request) return fn();
  return locks.request(LOCK_NAME, fn) as Promise<T>;
}

// The `sub` claim of a JWT access token (read, not verified: the server checks it), or null for another token.
export function tokenSubject(token: string): string | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown } | null;
    return typeof claims?.sub === "string" && claims.sub ? claims.sub : null;
  } catch {
    return null;
  }
}

type Listener = () => void;

export interface TokenStoreOptions {
  now?: () => number;
  // Where the tabs announce sign-ins and sign-outs to each other (the user apps' store; the admin console has none).
  channel?: AuthChannel | null;
  // The session cookie now belongs to another user: this tab must not go on with the old user's page.
  onUserChanged?: () => void;
}

export class TokenStore {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();
  private refreshFn: RefreshFn | null = null;
  // False after a sign-out or a refused refresh, until the next sign-in: no point asking again.
  private sessionMayExist = true;
  // The signed-in user (the token's `sub`), kept after the token expires so a refresh can be checked against it.
  private subject: string | null = null;
  // Counts the clears: a refresh that started before a sign-out (here or in another tab) must not sign back in.
  private cleared = 0;
  // The error of the last refresh, null while one runs and after a success; when it came, and how many in a row.
  private failure: unknown = null;
  private failedAt = 0;
  private failures = 0;
  private readonly now: () => number;
  private readonly channel: AuthChannel | null;
  private readonly onUserChanged?: () => void;

  constructor(options: TokenStoreOptions = {}) {
    this.now = options.now ?? (() => Date.now());
    this.channel = options.channel ?? null;
    this.onUserChanged = options.onUserChanged;
    this.channel?.listen((message) => this.receive(message));
  }

  setRefreshFunction(fn: RefreshFn | null): void {
    this.refreshFn = fn;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  getAccessToken(): string | null {
    if (this.accessToken && this.now() >= this.expiresAt) return null;
    return this.accessToken;
  }

  // When the access token stops working (epoch ms; 0 without one).
  getExpiresAt(): number {
    return this.accessToken ? this.expiresAt : 0;
  }

  // The signed-in user's id (the last token's `sub`), still known while a refresh is due; null when signed out.
  getSubject(): string | null {
    return this.subject;
  }

  isSignedIn(): boolean {
    return this.getAccessToken() !== null;
  }

  // Whether a refresh might bring a session back (the cookie itself is invisible to scripts).
  canRefresh(): boolean {
    return this.refreshFn !== null && this.sessionMayExist;
  }

  // Why the last refresh failed while the session may still exist (no answer, 429, 5xx): what the user should be told
  // instead of a 401. null after a success or a refusal.
  refreshFailure(): unknown {
    return this.canRefresh() ? this.failure : null;
  }

  // That failure, once the access token has lapsed (or there is none) and the refresh failed after it did: the
  // session cannot be restored for now. null while the token works (the failure only schedules a retry), and while a
  // refresh of a lapsed token is due or runs.
  restoreFailure(): unknown {
    return !this.isSignedIn() && this.failedAt >= this.expiresAt ? this.refreshFailure() : null;
  }

  // The refresh token in the body is deliberately ignored: the HttpOnly cookie carries it. A new user signed in
  // here is announced to the other tabs.
  setTokens(pair: TokenPair): void {
    const subject = tokenSubject(pair.accessToken);
    if (subject && subject !== this.subject) this.channel?.post({ type: "signed-in", subject });
    this.subject = subject;
    this.accessToken = pair.accessToken;
    this.expiresAt = this.now() + pair.expiresIn * 1000;
    this.sessionMayExist = true;
    this.failures = 0;
    this.schedule(pair.expiresIn);
    this.emit();
  }

  // Drops the tokens in this tab only (a refused refresh, a revoked session).
  clear(): void {
    this.cleared += 1;
    this.accessToken = null;
    this.expiresAt = 0;
    this.sessionMayExist = false;
    this.subject = null;
    this.failures = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emit();
  }

  // The user signed out: drops the tokens and tells the other tabs, which drop theirs (and go to sign in).
  endSession(): void {
    this.clear();
    this.channel?.post({ type: "signed-out" });
  }

  private receive(message: AuthMessage): void {
    if (message.type === "signed-out") this.clear();
    else if (this.subject !== null && message.subject !== this.subject) this.userChanged();
  }

  private userChanged(): void {
    this.clear();
    this.onUserChanged?.();
  }

  private schedule(expiresIn: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.refreshFn) {
      // Nothing to refresh with: drop the token when it expires so the UI asks for a new sign-in.
      this.timer = setTimeout(() => {
        this.timer = null;
        this.accessToken = null;
        this.emit();
      }, Math.max(0, expiresIn * 1000));
      return;
    }
    this.refreshAfter(refreshDelayMs(expiresIn));
  }

  // A signed-in tab tries again by itself; the token may lapse meanwhile (requests then refresh first).
  private scheduleRetry(retryAfter: number | null | undefined): void {
    if (this.timer) clearTimeout(this.timer);
    this.failures += 1;
    this.refreshAfter(refreshRetryDelayMs(this.failures, retryAfter));
  }

  private refreshAfter(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delayMs);
  }

  // Single flight inside the tab, and serialised across tabs by the Web Lock.
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (!this.canRefresh()) return Promise.resolve(false);
    const fn = this.refreshFn!;
    const cleared = this.cleared;
    this.failure = null;
    this.inflight = withRefreshLock(fn)
      .then((pair) => {
        if (this.cleared !== cleared) return false; // signed out while the refresh ran
        // The shared cookie was signed in as someone else meanwhile: never go on with that user's token here.
        const subject = tokenSubject(pair.accessToken);
        if (this.subject !== null && subject !== null && subject !== this.subject) {
          this.userChanged();
          return false;
        }
        this.setTokens(pair);
        return true;
      })
      .catch((error: unknown) => {
        const { status, retryAfter } = error as { status?: number; retryAfter?: number | null };
        // Only a definite refusal ends the session; network trouble keeps it for a retry.
        this.failure = error;
        this.failedAt = this.now();
        if (status === 400 || status === 401 || status === 403) this.clear();
        else if (this.cleared === cleared && this.accessToken) this.scheduleRetry(retryAfter);
        return false;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}
