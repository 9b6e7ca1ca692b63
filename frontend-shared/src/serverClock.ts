import { useNow } from "./components";

// How many recent answers the offset is the median of: one odd answer (a slow round trip, a stale header) cannot
// move it.
const SAMPLES = 5;

// Clocks set to local time as if it were UTC are off by whole hours (7 h in Jakarta, 14 h at most anywhere), and those
// are what this corrects. An offset beyond a day is more likely a broken or stale Date header (a cache, a proxy) than
// a clock, so such an answer is ignored rather than trusted: the browser clock stays in use, as without a header.
export const MAX_OFFSET_MS = 24 * 60 * 60 * 1000;

// The server's clock as seen through the HTTP Date header of its answers: the offset to add to Date.now() to compare
// with the server's timestamps (a payment's expiresAt, a user's lockedUntil). Without a usable header it is 0.
export class ServerClock {
  private offsets: number[] = [];

  // sentAt and receivedAt: Date.now() when the request left and when its answer came.
  record(dateHeader: string | null, sentAt: number, receivedAt: number): void {
    const serverTime = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    if (Number.isNaN(serverTime)) return;
    // The header has 1-second resolution (the second is truncated), and the server wrote it at some moment during
    // the round trip: its middle second is the best guess, off by at most half a second plus half the round trip.
    const offset = serverTime + 500 - (sentAt + receivedAt) / 2;
    if (Math.abs(offset) > MAX_OFFSET_MS) return;
    this.offsets = [...this.offsets, offset].slice(-SAMPLES);
  }

  offset(): number {
    if (this.offsets.length === 0) return 0;
    const sorted = [...this.offsets].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  now(): number {
    return Date.now() + this.offset();
  }

  // Forgets every answer (the tests start each case with a browser clock of their own).
  reset(): void {
    this.offsets = [];
  }
}

// One clock for the apps: every API answer comes through the same gateway.
export const serverClock = new ServerClock();

// The server's time (epoch ms), ticking every intervalMs.
export function useServerNow(intervalMs = 1000): number {
  return useNow(intervalMs) + serverClock.offset();
}
