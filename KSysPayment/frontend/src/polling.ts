import { useEffect, useRef } from "react";
import { isApiError } from "@kservices/shared";

interface Polling<T> {
  load: () => Promise<T>;
  onData: (data: T) => void;
  onError: (error: unknown) => void;
  enabled: boolean;
  intervalMs: number;
}

// After an error with Retry-After (a 429, or a 503), the next request waits at least that long.
export function nextPollDelay(error: unknown, intervalMs: number): number {
  return isApiError(error) && error.retryAfter !== null ? Math.max(intervalMs, error.retryAfter * 1000) : intervalMs;
}

// Calls `load` every `intervalMs` while `enabled`, never two at a time (the next waits for the last
// answer). A hidden tab is not polled; it polls again as soon as it is shown.
export function usePolling<T>({ load, onData, onError, enabled, intervalMs }: Polling<T>): void {
  const latest = useRef({ load, onData, onError });
  useEffect(() => {
    latest.current = { load, onData, onError };
  });

  useEffect(() => {
    if (!enabled) return;
    let active = true;
    let inFlight = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const wait = (ms: number) => {
      timer = setTimeout(poll, ms);
    };
    function poll() {
      timer = null;
      if (document.hidden) return;
      inFlight = true;
      latest.current.load().then(
        (data) => {
          inFlight = false;
          if (!active) return;
          latest.current.onData(data);
          wait(intervalMs);
        },
        (error: unknown) => {
          inFlight = false;
          if (!active) return;
          latest.current.onError(error);
          wait(nextPollDelay(error, intervalMs));
        },
      );
    }
    const onVisibility = () => {
      if (!document.hidden && !inFlight && timer === null) poll();
    };
    document.addEventListener("visibilitychange", onVisibility);
    wait(intervalMs);
    return () => {
      active = false;
      if (timer !== null) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [enabled, intervalMs]);
}
