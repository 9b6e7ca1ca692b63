import { describe, expect, it, vi } from "vitest";
import { ApiClient, buildQuery, safeNext } from "./api";
import { ApiError } from "./errors";
import { TokenStore } from "./tokens";

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

describe("ApiClient", () => {
  it("sends the bearer token and JSON body", async () => {
    const tokens = new TokenStore();
    tokens.setTokens({ accessToken: "a1", expiresIn: 900 });
    const fetchImpl = vi.fn().mockResolvedValue(json(200, { ok: true }));
    const client = new ApiClient({ tokens, fetchImpl });
    await client.post("/api/x", { a: 1 }, { headers: { "Idempotency-Key": "k" } });
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("/api/x");
    expect(init.headers.Authorization).toBe("Bearer a1");
    expect(init.headers["Idempotency-Key"]).toBe("k");
    expect(init.body).toBe('{"a":1}');
    // The API answers 415 to a body not sent as JSON.
    expect(init.headers["Content-Type"]).toBe("application/json");
  });

  it("throws ApiError with retryAfter on 429", async () => {
    const fetchImpl = vi.fn().mockResolvedValue(
      json(429, { error: { code: "rate_limited", message: "slow down", requestId: "r", details: [] } }, { "Retry-After": "7" }),
    );
    const client = new ApiClient({ fetchImpl });
    const error = await client.get("/api/x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).retryAfter).toBe(7);
  });

  it("keeps the session on a 423 account_locked from a re-authentication form", async () => {
    const tokens = new TokenStore();
    tokens.setTokens({ accessToken: "a1", expiresIn: 900 });
    const body = { error: { code: "account_locked", message: "locked", requestId: "r", details: [] } };
    const fetchImpl = vi.fn().mockResolvedValue(json(423, body, { "Retry-After": "900" }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.post("/api/auth/password/change", {})).rejects.toMatchObject({ code: "account_locked" });
    expect(tokens.getAccessToken()).toBe("a1");
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it("maps network failures to network_error", async () => {
    const client = new ApiClient({ fetchImpl: vi.fn().mockRejectedValue(new TypeError("fail")) });
    await expect(client.get("/api/x")).rejects.toMatchObject({ code: "network_error", status: 0 });
  });

  it("refreshes once on invalid_token and retries the request", async () => {
    const tokens = new TokenStore();
    tokens.setRefreshFunction(async () => ({ accessToken: "a2", refreshToken: "r2", expiresIn: 900 }));
    tokens.setTokens({ accessToken: "a1", refreshToken: "r1", expiresIn: 900 });
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(json(401, { error: { code: "invalid_token", message: "expired" } }))
      .mockResolvedValueOnce(json(200, { me: 1 }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    expect(await client.get("/api/auth/me")).toEqual({ me: 1 });
    expect(fetchImpl.mock.calls[1][1].headers.Authorization).toBe("Bearer a2");
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  it.each([
    ["session_revoked", true],
    ["invalid_token", true],
    ["invalid_mfa_code", false],
    ["invalid_password", false],
  ])("after a refresh, a retry answered 401 %s ends the session: %s", async (code, ends) => {
    const tokens = new TokenStore();
    tokens.setRefreshFunction(async () => ({ accessToken: "a2", expiresIn: 900 }));
    tokens.setTokens({ accessToken: "a1", expiresIn: 900 });
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(json(401, { error: { code: "token_expired", message: "expired" } }))
      .mockResolvedValueOnce(json(401, { error: { code, message: "no" } }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.post("/api/auth/mfa/totp/disable", { password: "p", code: "000000" })).rejects.toMatchObject({ code });
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(onAuthFailure).toHaveBeenCalledTimes(ends ? 1 : 0);
    expect(tokens.getAccessToken()).toBe(ends ? null : "a2");
  });

  it.each([
    ["a network error", new ApiError({ status: 0, code: "network_error", message: "offline" })],
    ["a 429", new ApiError({ status: 429, code: "rate_limited", message: "slow", retryAfter: 3 })],
    ["a 503", new ApiError({ status: 503, code: "service_unavailable", message: "down" })],
  ])("keeps the session when the refresh fails with %s, and throws that failure, not the 401", async (_, refreshError) => {
    const tokens = new TokenStore();
    tokens.setRefreshFunction(vi.fn().mockRejectedValue(refreshError));
    tokens.setTokens({ accessToken: "a1", expiresIn: 900 });
    const fetchImpl = vi.fn().mockResolvedValue(json(401, { error: { code: "token_expired", message: "expired" } }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.get("/api/auth/me")).rejects.toBe(refreshError);
    expect(onAuthFailure).not.toHaveBeenCalled();
    expect(tokens.canRefresh()).toBe(true);
    expect(tokens.getAccessToken()).toBe("a1");
  });

  it("sends nothing without a token when the refresh before the request fails transiently, and throws that failure", async () => {
    const tokens = new TokenStore();
    const refreshError = new ApiError({ status: 429, code: "rate_limited", message: "slow", retryAfter: 3 });
    tokens.setRefreshFunction(vi.fn().mockRejectedValue(refreshError));
    tokens.setTokens({ accessToken: "a1", expiresIn: 0 }); // expired: the request refreshes first
    const fetchImpl = vi.fn().mockResolvedValue(json(401, { error: { code: "unauthenticated", message: "no token" } }));
    const client = new ApiClient({ tokens, fetchImpl });
    await expect(client.post("/api/auth/password/change", {})).rejects.toBe(refreshError);
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(tokens.canRefresh()).toBe(true);
  });

  it.each([400, 401, 403])("signs out when the refresh is refused with %s", async (status) => {
    const tokens = new TokenStore();
    tokens.setRefreshFunction(vi.fn().mockRejectedValue(new ApiError({ status, code: "invalid_token", message: "no" })));
    tokens.setTokens({ accessToken: "a1", expiresIn: 900 });
    const fetchImpl = vi.fn().mockResolvedValue(json(401, { error: { code: "token_expired", message: "expired" } }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.get("/api/auth/me")).rejects.toMatchObject({ code: "token_expired" });
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
    expect(tokens.getAccessToken()).toBeNull();
  });

  it("sends the user to login on session_revoked", async () => {
    const tokens = new TokenStore();
    const refresh = vi.fn();
    tokens.setRefreshFunction(refresh);
    tokens.setTokens({ accessToken: "a1", refreshToken: "r1", expiresIn: 900 });
    const fetchImpl = vi.fn().mockResolvedValue(json(401, { error: { code: "session_revoked", message: "gone" } }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.get("/api/auth/me")).rejects.toMatchObject({ code: "session_revoked" });
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
    expect(refresh).not.toHaveBeenCalled();
    expect(tokens.canRefresh()).toBe(false);
  });

  it("does not redirect for unauthenticated calls such as login", async () => {
    const tokens = new TokenStore();
    const fetchImpl = vi.fn().mockResolvedValue(json(401, { error: { code: "invalid_credentials", message: "no" } }));
    const onAuthFailure = vi.fn();
    const client = new ApiClient({ tokens, fetchImpl, onAuthFailure });
    await expect(client.post("/api/auth/login", {}, { auth: false })).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(onAuthFailure).not.toHaveBeenCalled();
  });
});

describe("helpers", () => {
  it("builds queries without empty values", () => {
    expect(buildQuery({ q: "a b", status: "", cursor: null, limit: 50 })).toBe("?q=a+b&limit=50");
  });
  it("refuses open redirects", () => {
    // Each as the router reads it from ?next=, that is after one percent-decoding.
    const decoded = (raw: string) => new URLSearchParams(`next=${raw}`).get("next");
    for (const raw of ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%2Fevil.example", "%2F%5Cevil.example",
      "%5C%5Cevil.example", "%2F%00%2Fevil.example", "%2F%2Fevil.example", "https%3A%2F%2Fevil.example%2F",
      "javascript%3Aalert(1)", "data%3Atext%2Fhtml%2Cx", "%2Fauth%2F%5C..%5C"]) {
      expect(safeNext(decoded(raw), "/auth/"), raw).toBe("/auth/");
    }
    expect(safeNext("//evil.example", "/auth/")).toBe("/auth/");
    expect(safeNext("https://evil.example", "/auth/")).toBe("/auth/");
    expect(safeNext("", "/auth/")).toBe("/auth/");
    expect(safeNext(null, "/auth/")).toBe("/auth/");
  });

  it("refuses same-origin values whose path resolves to //host", () => {
    // Each stays on this origin for new URL(), but location.assign("//evil.example") leaves the site.
    for (const value of ["/.//evil.example", "/..//evil.example", "/auth/..//evil.example/login", "/auth/%2e%2e//evil.example",
      "/payment/./..//evil.example", "/\\evil.example", "https:evil.example", "https:/evil.example", `${window.location.protocol}evil.example`,
      "javascript:alert(1)", "JavaScript:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example"]) {
      expect(safeNext(value, "/auth/"), value).toBe("/auth/");
    }
    expect(safeNext(new URLSearchParams("next=%2F.%2F%2Fevil.example").get("next"), "/auth/")).toBe("/auth/");
  });

  it("follows only paths of the three apps", () => {
    for (const value of ["/", "/api/auth/logout", "/evil.example", "/authx/", "/auth", "sessions"]) {
      expect(safeNext(value, "/auth/"), value).toBe("/auth/");
    }
    expect(safeNext("/admin/users?status=locked", "/auth/")).toBe("/admin/users?status=locked");
    expect(safeNext("/auth/sessions", "/admin/")).toBe("/auth/sessions");
  });

  it("follows same-origin paths, returning only the path", () => {
    expect(safeNext("/payment/new", "/auth/")).toBe("/payment/new");
    expect(safeNext("/payment/payments?status=paid#top", "/auth/")).toBe("/payment/payments?status=paid#top");
    expect(safeNext(`${window.location.origin}/auth/sessions`, "/")).toBe("/auth/sessions");
    // Encoded slashes stay in the path: still this site.
    expect(safeNext("/auth/%2F%2Fevil.example", "/")).toBe("/auth/%2F%2Fevil.example");
  });
});

describe("createUserApi", () => {
  it("restores the session from the HttpOnly cookie with a body-less refresh", async () => {
    const { createUserApi } = await import("./api");
    const fetchImpl = vi
      .fn()
      .mockResolvedValueOnce(json(200, { accessToken: "a9", refreshToken: "ignored", tokenType: "bearer", expiresIn: 900 }))
      .mockResolvedValueOnce(json(200, { id: "u1" }));
    const { client, tokens } = createUserApi({ fetchImpl, onAuthFailure: vi.fn() });
    await client.get("/api/auth/me");
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe("/api/auth/refresh");
    expect(init.method).toBe("POST");
    expect(init.body).toBeUndefined();
    expect(init.credentials).toBe("same-origin");
    expect(fetchImpl.mock.calls[1][1].headers.Authorization).toBe("Bearer a9");
    expect(tokens.getAccessToken()).toBe("a9");
    expect(sessionStorage.length + localStorage.length).toBe(0);
  });

  it("keeps nothing of the refresh token that the refresh body carries", async () => {
    const { createUserApi } = await import("./api");
    const fetchImpl = vi.fn().mockResolvedValue(json(200, { accessToken: "a9", refreshToken: "body-refresh-secret", expiresIn: 900 }));
    const { tokens } = createUserApi({ fetchImpl, onAuthFailure: vi.fn() });
    expect(await tokens.refresh()).toBe(true);
    expect(Object.values(tokens).filter((value) => typeof value === "string")).toEqual(["a9"]);
    expect(document.cookie).not.toContain("body-refresh-secret");
    expect(sessionStorage.length + localStorage.length).toBe(0);
  });

  it("sends the user to login when there is no session cookie", async () => {
    const { createUserApi } = await import("./api");
    const fetchImpl = vi.fn()
      .mockResolvedValueOnce(json(401, { error: { code: "invalid_token", message: "no cookie" } }))
      .mockResolvedValueOnce(json(401, { error: { code: "unauthenticated", message: "no token" } }));
    const onAuthFailure = vi.fn();
    const { client } = createUserApi({ fetchImpl, onAuthFailure });
    await expect(client.get("/api/auth/me")).rejects.toMatchObject({ code: "unauthenticated" });
    expect(onAuthFailure).toHaveBeenCalledTimes(1);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });
});
