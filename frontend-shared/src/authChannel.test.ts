import { afterEach, describe, expect, it, vi } from "vitest";
import { createUserApi } from "./api";
import { openAuthChannel, type AuthChannel, type AuthMessage } from "./authChannel";
import { signOut } from "./signOut";
import { TokenStore, tokenSubject } from "./tokens";

// A JWT-shaped access token for user `sub` (the frontend reads the claim, it never verifies it).
function jwt(sub: string, id = "1"): string {
  const base64url = (value: object) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${base64url({ alg: "HS256" })}.${base64url({ sub, jti: id })}.signature`;
}

// Stands in for BroadcastChannel between the tabs of one browser: a message reaches every other tab.
function fakeBrowser() {
  const tabs: ((message: AuthMessage) => void)[] = [];
  return (): AuthChannel => {
    let own: ((message: AuthMessage) => void) | null = null;
    return {
      post: (message) => tabs.filter((listener) => listener !== own).forEach((listener) => listener(message)),
      listen: (listener) => {
        own = listener;
        tabs.push(listener);
      },
    };
  };
}

function json(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

// A tab of a user app: its own store on the shared channel, signed in as `sub` (null: signed out).
function openTab(channel: AuthChannel | null, sub: string | null, fetchImpl = vi.fn()) {
  const onUserChanged = vi.fn();
  const tab = createUserApi({ fetchImpl, onAuthFailure: vi.fn(), channel, onUserChanged });
  if (sub) tab.tokens.setTokens({ accessToken: jwt(sub), expiresIn: 900 });
  return { ...tab, onUserChanged, fetchImpl };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("tokenSubject", () => {
  it("reads the sub claim of a JWT, base64url without padding", () => {
    expect(tokenSubject(jwt("0197a3c2-user-1"))).toBe("0197a3c2-user-1");
    expect(tokenSubject(jwt("a?>~"))).toBe("a?>~");
  });
  it("is null for tokens it cannot read", () => {
    for (const token of ["opaque-token", "a.b.c", `x.${btoa(JSON.stringify({ sub: 7 }))}.y`, `x.${btoa("null")}.y`, ""]) {
      expect(tokenSubject(token), token).toBeNull();
    }
  });
});

describe("tabs of one browser", () => {
  it("a sign-out in one tab signs the others out", async () => {
    const channel = fakeBrowser();
    const a = openTab(channel(), "u1", vi.fn().mockResolvedValue(new Response(null, { status: 204 })));
    const b = openTab(channel(), "u1");
    const changed = vi.fn();
    b.tokens.subscribe(changed);
    await signOut(a.client);
    expect(b.tokens.isSignedIn()).toBe(false);
    expect(b.tokens.canRefresh()).toBe(false);
    expect(changed).toHaveBeenCalled();
    expect(b.onUserChanged).not.toHaveBeenCalled();
  });

  it("a sign-in of another user reloads the tabs of the previous one, and only those", () => {
    const channel = fakeBrowser();
    const a = openTab(channel(), null);
    const previous = openTab(channel(), "u1");
    const same = openTab(channel(), "u2");
    const signedOut = openTab(channel(), null);
    a.tokens.setTokens({ accessToken: jwt("u2"), expiresIn: 900 });
    expect(previous.onUserChanged).toHaveBeenCalledTimes(1);
    expect(previous.tokens.isSignedIn()).toBe(false);
    expect(same.onUserChanged).not.toHaveBeenCalled();
    expect(same.tokens.isSignedIn()).toBe(true);
    expect(signedOut.onUserChanged).not.toHaveBeenCalled();
  });

  it("a refresh that answers for another user is not used: the tab starts again", async () => {
    // Tab B still shows u1's form; meanwhile u1 signed out and u2 signed in elsewhere, so the cookie is u2's.
    vi.useFakeTimers();
    const u2Token = jwt("u2", "2");
    const fetchImpl = vi.fn(async (url: string, init: RequestInit) => {
      if (url === "/api/auth/refresh") return json(200, { accessToken: u2Token, expiresIn: 900 });
      const bearer = (init.headers as Record<string, string>).Authorization;
      return bearer ? json(200, { saved: bearer }) : json(401, { error: { code: "unauthenticated", message: "no" } });
    });
    const b = openTab(null, "u1", fetchImpl);
    vi.setSystemTime(Date.now() + 901_000); // u1's access token has expired
    await expect(b.client.patch("/api/auth/me", { displayName: "u1's form" })).rejects.toMatchObject({ status: 401 });
    expect(b.onUserChanged).toHaveBeenCalledTimes(1);
    expect(b.tokens.getAccessToken()).toBeNull();
    const bearers = fetchImpl.mock.calls.map(([, init]) => (init.headers as Record<string, string>).Authorization);
    expect(bearers).not.toContain(`Bearer ${u2Token}`);
  });

  it("a refresh still running when another tab signs out is not used", async () => {
    const channel = fakeBrowser();
    const a = openTab(channel(), "u1", vi.fn().mockResolvedValue(new Response(null, { status: 204 })));
    const b = openTab(channel(), "u1");
    let answer: (pair: { accessToken: string; expiresIn: number }) => void = () => {};
    b.tokens.setRefreshFunction(() => new Promise((resolve) => (answer = resolve)));
    const refreshed = b.tokens.refresh();
    await signOut(a.client);
    answer({ accessToken: jwt("u1", "2"), expiresIn: 900 });
    expect(await refreshed).toBe(false);
    expect(b.tokens.isSignedIn()).toBe(false);
    expect(b.tokens.getAccessToken()).toBeNull();
  });

  it("a refresh for the same user goes on as before", async () => {
    const store = new TokenStore({ onUserChanged: vi.fn() });
    store.setRefreshFunction(async () => ({ accessToken: jwt("u1", "2"), expiresIn: 900 }));
    store.setTokens({ accessToken: jwt("u1"), expiresIn: 900 });
    expect(await store.refresh()).toBe(true);
    expect(store.getAccessToken()).toBe(jwt("u1", "2"));
  });

  it("keeps serialising refreshes with the Web Lock", async () => {
    const request = vi.fn((_name: string, fn: () => Promise<unknown>) => fn());
    vi.stubGlobal("navigator", { locks: { request } });
    const store = new TokenStore();
    store.setRefreshFunction(async () => ({ accessToken: jwt("u1"), expiresIn: 900 }));
    expect(await store.refresh()).toBe(true);
    expect(request).toHaveBeenCalledWith("kservices-auth-refresh", expect.any(Function));
  });
});

describe("openAuthChannel", () => {
  it("is null without BroadcastChannel", () => {
    vi.stubGlobal("BroadcastChannel", undefined);
    expect(openAuthChannel()).toBeNull();
  });

  it("uses the kservices-auth channel and passes on only sign-in and sign-out messages", () => {
    const opened: FakeChannel[] = [];
    class FakeChannel extends EventTarget {
      posted: unknown[] = [];
      constructor(readonly name: string) {
        super();
        opened.push(this);
      }
      postMessage(data: unknown) {
        this.posted.push(data);
      }
    }
    vi.stubGlobal("BroadcastChannel", FakeChannel);
    const channel = openAuthChannel()!;
    const received = vi.fn();
    channel.listen(received);
    channel.post({ type: "signed-out" });
    expect(opened.map((item) => item.name)).toEqual(["kservices-auth"]);
    expect(opened[0].posted).toEqual([{ type: "signed-out" }]);
    for (const data of [{ type: "signed-in", subject: "u2" }, { type: "signed-in" }, { type: "other" }, null, "signed-out"]) {
      opened[0].dispatchEvent(new MessageEvent("message", { data }));
    }
    expect(received.mock.calls).toEqual([[{ type: "signed-in", subject: "u2" }]]);
  });
});
