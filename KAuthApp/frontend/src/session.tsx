import { useEffect, useState, useSyncExternalStore } from "react";
import { tokens } from "./api";

export function useSignedIn(): boolean {
  return useSyncExternalStore(
    (listener) => tokens.subscribe(listener),
    () => tokens.isSignedIn(),
  );
}

// On first load, trade the HttpOnly refresh cookie for an access token (kept in memory only).
export function useBootstrap(): boolean {
  const [ready, setReady] = useState(() => tokens.isSignedIn() || !tokens.canRefresh());
  useEffect(() => {
    if (ready) return;
    let active = true;
    void tokens.refresh().finally(() => {
      if (active) setReady(true);
    });
    return () => {
      active = false;
    };
  }, [ready]);
  return ready;
}
