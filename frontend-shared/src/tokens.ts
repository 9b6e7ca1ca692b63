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

// Tabs of one browser share the cookie: a Web Lock keeps their refreshes one at a time, so a tab
// never presents a token another tab has just rotated.
function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks?.request) return fn();
  return locks.request(LOCK_NAME, fn) as Promise<T>;
}

type Listener = () => void;

export class TokenStore {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inflight: Promise<boolean> | null = null;
  private listeners = new Set<Listener>();
  private refreshFn: RefreshFn | null = null;
  // False after a sign-out or a refused refresh, until the next sign-in: no point asking again.
  private sessionMayExist = true;
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => Date.now());
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

  isSignedIn(): boolean {
    return this.getAccessToken() !== null;
  }

  // Whether a refresh might bring a session back (the cookie itself is invisible to scripts).
  canRefresh(): boolean {
    return this.refreshFn !== null && this.sessionMayExist;
  }

  // The refresh token in the body is deliberately ignored: the HttpOnly cookie carries it.
  setTokens(pair: TokenPair): void {
    this.accessToken = pair.accessToken;
    this.expiresAt = this.now() + pair.expiresIn * 1000;
    this.sessionMayExist = true;
    this.schedule(pair.expiresIn);
    this.emit();
  }

  clear(): void {
    this.accessToken = null;
    this.expiresAt = 0;
    this.sessionMayExist = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.emit();
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
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, refreshDelayMs(expiresIn));
  }

  // Single flight inside the tab, and serialised across tabs by the Web Lock.
  refresh(): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (!this.canRefresh()) return Promise.resolve(false);
    const fn = this.refreshFn!;
    this.inflight = withRefreshLock(fn)
      .then((pair) => {
        this.setTokens(pair);
        return true;
      })
      .catch((error: unknown) => {
        const status = (error as { status?: number }).status;
        // Only a definite refusal ends the session; network trouble keeps it for a retry.
        if (status === 400 || status === 401 || status === 403) this.clear();
        return false;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }
}
