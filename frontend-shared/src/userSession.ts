import { useCallback, useEffect, useReducer, useState, useSyncExternalStore } from "react";
import type { TokenStore } from "./tokens";

// loading: the first refresh runs; in: signed in (also while the access token has lapsed and a refresh is due or
// runs: a sleep can outrun the refresh timer); out: no session, to sign in; unreachable: no usable token and the
// refresh tried since it lapsed failed for a transient reason (no answer, 429, 5xx), so the session may still be valid:
// the page offers a retry instead of sending the user to sign in.
export type UserSessionState = "loading" | "in" | "out" | "unreachable";

// The user apps' session: on first load (and on retry) the HttpOnly refresh cookie is traded for an access token kept
// in memory; a lapsed token is refreshed (the store's one shared refresh) before any "unreachable".
export function useUserSession(tokens: TokenStore): { state: UserSessionState; retry: () => void } {
  const signedIn = useSyncExternalStore((listener) => tokens.subscribe(listener), () => tokens.isSignedIn());
  const [tried, setTried] = useState(() => signedIn || !tokens.canRefresh());
  const [, settled] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    if (tried) return;
    let active = true;
    void tokens.refresh().finally(() => {
      if (active) setTried(true);
    });
    return () => {
      active = false;
    };
  }, [tokens, tried]);
  const lapsed = tried && !signedIn && tokens.canRefresh() && !tokens.restoreFailure();
  useEffect(() => {
    if (!lapsed) return;
    let active = true;
    // A success signs in again (the store tells); after a failure, render again to show "unreachable".
    void tokens.refresh().finally(() => {
      if (active) settled();
    });
    return () => {
      active = false;
    };
  }, [tokens, lapsed]);
  const retry = useCallback(() => setTried(false), []);
  if (signedIn || lapsed) return { state: "in", retry };
  if (!tried) return { state: "loading", retry };
  return { state: tokens.canRefresh() ? "unreachable" : "out", retry };
}
