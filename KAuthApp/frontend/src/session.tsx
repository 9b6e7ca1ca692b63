import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import { tokens } from "./api";

export function useSignedIn(): boolean {
  return useSyncExternalStore(
    (listener) => tokens.subscribe(listener),
    () => tokens.isSignedIn(),
  );
}

// On first load (and on retry), trade the HttpOnly refresh cookie for an access token (kept in memory only).
// "unreachable": no token, and the refresh failed for a transient reason (no response, 429, 5xx), so the session may
// still be valid: the page offers a retry instead of sending the user to sign in.
export function useBootstrap(): { state: "loading" | "done" | "unreachable"; retry: () => void } {
  const [tried, setTried] = useState(() => tokens.isSignedIn() || !tokens.canRefresh());
  useEffect(() => {
    if (tried) return;
    let active = true;
    void tokens.refresh().finally(() => {
      if (active) setTried(true);
    });
    return () => {
      active = false;
    };
  }, [tried]);
  const retry = useCallback(() => setTried(false), []);
  if (!tried) return { state: "loading", retry };
  return { state: !tokens.isSignedIn() && tokens.canRefresh() ? "unreachable" : "done", retry };
}
