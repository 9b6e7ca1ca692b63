import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenStore, refreshDelayMs, refreshRetryDelayMs } from "./tokens";

describe("refreshDelayMs", () => {
  it("refreshes a minute before expiry for normal tokens", () => {
    expect(refreshDelayMs(900)).toBe(840_000);
  });
  it("uses 80% of the lifetime for short tokens, never under 5 s", () => {
    expect(refreshDelayMs(60)).toBe(48_000);
    expect(refreshDelayMs(100)).toBe(80_000);
    expect(refreshDelayMs(2)).toBe(5_000);
  });
});

describe("refreshRetryDelayMs", () => {
  it("waits 5 s, doubling up to a minute, and never less than the Retry-After", () => {
    expect([1, 2, 3, 4, 5, 9].map((failures) => refreshRetryDelayMs(failures, null))).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
    expect(refreshRetryDelayMs(1, 30)).toBe(30_000);
    expect(refreshRetryDelayMs(4, 3)).toBe(40_000);
  });
});

describe("TokenStore", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("keeps the access token in memory and writes nothing to web storage", () => {
    const store = new TokenStore();
    store.setRefreshFunction(vi.fn());
    store.setTokens({ accessToken: "a1", refreshToken: "r1", expiresIn: 900 });
    expect(store.getAccessToken()).toBe("a1");
    expect(sessionStorage.length).toBe(0);
    expect(localStorage.length).toBe(0);
  });

  it("schedules a refresh one minute before expiry", async () => {
    const store = new TokenStore();
    const refresh = vi.fn().mockResolvedValue({ accessToken: "a2", refreshToken: "r2", expiresIn: 900 });
    store.setRefreshFunction(refresh);
    store.setTokens({ accessToken: "a1", refreshToken: "r1", expiresIn: 900 });
    await vi.advanceTimersByTimeAsync(839_000);
    expect(refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(store.getAccessToken()).toBe("a2");
    // And the next one is scheduled from the new lifetime.
    await vi.advanceTimersByTimeAsync(840_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it("shares one in-flight refresh between concurrent callers", async () => {
    const store = new TokenStore();
    let resolve!: (v: { accessToken: string; expiresIn: number }) => void;
    const refresh = vi.fn().mockReturnValue(new Promise((r) => { resolve = r; }));
    store.setRefreshFunction(refresh);
    const a = store.refresh();
    const b = store.refresh();
    resolve({ accessToken: "a2", expiresIn: 900 });
    expect(await a).toBe(true);
    expect(await b).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("stops trying after the refresh is refused, until the next sign-in", async () => {
    const store = new TokenStore();
    const refresh = vi.fn().mockRejectedValue({ status: 401 });
    store.setRefreshFunction(refresh);
    expect(await store.refresh()).toBe(false);
    expect(store.canRefresh()).toBe(false);
    expect(await store.refresh()).toBe(false);
    expect(refresh).toHaveBeenCalledTimes(1);
    store.setTokens({ accessToken: "a3", expiresIn: 900 });
    expect(store.canRefresh()).toBe(true);
  });

  it("keeps trying after a network failure", async () => {
    const store = new TokenStore();
    store.setRefreshFunction(vi.fn().mockRejectedValue({ status: 0 }));
    expect(await store.refresh()).toBe(false);
    expect(store.canRefresh()).toBe(true);
  });

  it("stores without a refresh function drop the access token at expiry", async () => {
    const store = new TokenStore();
    store.setTokens({ accessToken: "admin", refreshToken: "ignored", expiresIn: 60 });
    expect(store.isSignedIn()).toBe(true);
    expect(store.canRefresh()).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.isSignedIn()).toBe(false);
  });

  it("tries a refresh that failed transiently again, backing off and honouring Retry-After, until one works", async () => {
    const store = new TokenStore();
    const refresh = vi
      .fn()
      .mockRejectedValueOnce({ status: 503 })
      .mockRejectedValueOnce({ status: 0 })
      .mockRejectedValueOnce({ status: 429, retryAfter: 30 })
      .mockResolvedValue({ accessToken: "a2", expiresIn: 900 });
    store.setRefreshFunction(refresh);
    store.setTokens({ accessToken: "a1", expiresIn: 900 });
    const callsAfter = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return refresh.mock.calls.length;
    };
    expect(await callsAfter(840_000)).toBe(1); // the timer's refresh: 503
    expect(await callsAfter(4_999)).toBe(1);
    expect(await callsAfter(1)).toBe(2); // 5 s later: no answer
    expect(await callsAfter(9_999)).toBe(2);
    expect(await callsAfter(1)).toBe(3); // 10 s later: 429, Retry-After 30 s
    expect(await callsAfter(29_999)).toBe(3);
    expect(await callsAfter(1)).toBe(4);
    expect(store.getAccessToken()).toBe("a2");
    // The next refresh is the new token's, a minute before it ends.
    expect(await callsAfter(839_999)).toBe(4);
    expect(await callsAfter(1)).toBe(5);
  });

  it("does not try again after a refusal, nor without a session in this tab", async () => {
    const refused = new TokenStore();
    const refuse = vi.fn().mockRejectedValue({ status: 401 });
    refused.setRefreshFunction(refuse);
    refused.setTokens({ accessToken: "a1", expiresIn: 900 });
    await vi.advanceTimersByTimeAsync(840_000 + 600_000);
    expect(refuse).toHaveBeenCalledTimes(1);
    const empty = new TokenStore();
    const fail = vi.fn().mockRejectedValue({ status: 503 });
    empty.setRefreshFunction(fail);
    expect(await empty.refresh()).toBe(false);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(fail).toHaveBeenCalledTimes(1);
  });
});
