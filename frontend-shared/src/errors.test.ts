import { describe, expect, it } from "vitest";
import { ApiError, apiErrorFrom, errorMessage, fieldErrorsOf, parseRetryAfter } from "./errors";

const envelope = (code: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message: "server text", requestId: "req-123", details: [], ...extra },
});

describe("apiErrorFrom", () => {
  it("parses the envelope into a typed ApiError", () => {
    const error = apiErrorFrom(401, envelope("invalid_credentials"), new Headers());
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.code).toBe("invalid_credentials");
    expect(error.message).toBe("server text");
    expect(error.requestId).toBe("req-123");
    expect(error.retryAfter).toBeNull();
  });

  it("reads Retry-After seconds for 429", () => {
    const error = apiErrorFrom(429, envelope("rate_limited"), new Headers({ "Retry-After": "42" }));
    expect(error.retryAfter).toBe(42);
    expect(errorMessage(error)).toBe("Too many attempts. Try again in 42 s.");
  });

  it("says a long wait in minutes or hours, as the lockout's 900 s and a day-long limit are", () => {
    const locked = (seconds: number) => errorMessage(apiErrorFrom(423, envelope("account_locked"), new Headers({ "Retry-After": String(seconds) })));
    expect(locked(119)).toBe("This account is locked. Try again in 119 s.");
    expect(locked(900)).toBe("This account is locked. Try again in 15 min.");
    expect(locked(899)).toBe("This account is locked. Try again in 15 min.");
    expect(locked(86_400)).toBe("This account is locked. Try again in 24 h.");
    const limited = apiErrorFrom(429, envelope("rate_limited"), new Headers({ "Retry-After": "5400" }));
    expect(errorMessage(limited)).toBe("Too many attempts. Try again in 1 h 30 min.");
  });

  it("counts a Retry-After date from the answer's Date, the server's clock", () => {
    // The browser clock is 5 minutes slow: from it, the date would be 330 s away.
    const serverNow = Date.now() + 300_000;
    const headers = new Headers({ Date: new Date(serverNow).toUTCString(), "Retry-After": new Date(serverNow + 30_000).toUTCString() });
    expect(apiErrorFrom(503, envelope("service_unavailable"), headers).retryAfter).toBe(30);
  });

  it("reads Retry-After as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30);
    expect(parseRetryAfter("garbage", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("falls back to the status and the X-Request-ID header when the body is not an envelope", () => {
    const error = apiErrorFrom(502, "<html>bad gateway</html>", new Headers({ "X-Request-ID": "hdr-9" }));
    expect(error.code).toBe("bad_gateway");
    expect(error.requestId).toBe("hdr-9");
  });
});

describe("errorMessage", () => {
  const known: Array<[string, number, RegExp]> = [
    ["unauthenticated", 401, /sign in/i],
    ["invalid_credentials", 401, /email or password is incorrect/i],
    ["invalid_token", 401, /no longer valid/i],
    ["email_not_verified", 403, /verify your email/i],
    ["account_locked", 403, /locked/i],
    ["account_disabled", 403, /disabled/i],
    ["mfa_required", 401, /authenticator/i],
    ["invalid_mfa_code", 401, /code is not valid/i],
    ["validation_failed", 422, /fields need attention/i],
    ["conflict", 409, /changed/i],
    ["not_found", 404, /could not find/i],
    ["service_unavailable", 503, /temporarily unavailable/i],
    ["internal_error", 500, /went wrong on our side.*req-123/i],
    // Answers the pages can meet that fell to "Something went wrong (...)".
    ["virtual_account_number_taken", 409, /^No free virtual account number.*nothing was created.*try again/i],
    ["origin_not_allowed", 403, /^This page's address is not one the account service accepts/i],
    ["unsupported_media_type", 415, /^The request could not be sent in the expected format/i],
    ["method_not_allowed", 405, /^The request could not be sent in the expected format/i],
    ["uri_too_long", 414, /^The address of this request is too long: use shorter filters/i],
    ["headers_too_large", 431, /^The request headers are too large/i],
  ];
  it.each(known)("has a message for %s", (code, status, pattern) => {
    expect(errorMessage(apiErrorFrom(status, envelope(code), new Headers()))).toMatch(pattern);
  });

  it("gives the request id with a refusal of a request the page got wrong", () => {
    expect(errorMessage(apiErrorFrom(415, envelope("unsupported_media_type"), new Headers()))).toMatch(/Reference: req-123\.$/);
  });

  it("shows the request id for unknown codes", () => {
    const text = errorMessage(apiErrorFrom(418, envelope("teapot"), new Headers()));
    expect(text).toContain("Something went wrong");
    expect(text).toContain("req-123");
  });

  it("says when a locked account can try again", () => {
    const body = envelope("account_locked", { details: [{ field: "retryAfter", retryAfter: 90 }] });
    expect(errorMessage(apiErrorFrom(423, body, new Headers({ "Retry-After": "90" })))).toBe("This account is locked. Try again in 90 s.");
    expect(errorMessage(apiErrorFrom(423, body, new Headers()))).toBe("This account is locked. Try again in 90 s.");
    expect(errorMessage(apiErrorFrom(423, envelope("account_locked"), new Headers()))).toMatch(/locked\. Try again later or contact support/);
  });

  it("handles 429 without Retry-After", () => {
    expect(errorMessage(apiErrorFrom(429, envelope("rate_limited"), new Headers()))).toMatch(/wait a moment/);
  });

  it("lets a page reword a code", () => {
    const error = apiErrorFrom(400, envelope("invalid_token"), new Headers());
    expect(errorMessage(error, { invalid_token: "Link expired." })).toBe("Link expired.");
  });

  it("has a generic message for non-API errors", () => {
    expect(errorMessage(new TypeError("x"))).toMatch(/Something went wrong/);
  });
});

describe("fieldErrorsOf", () => {
  it("maps 422 details to fields, stripping the body prefix", () => {
    expect(
      fieldErrorsOf([
        { field: "email", location: "body", message: "value is not a valid email address" },
        { field: "body.password", message: "Value error, password is too common" },
        { field: "rules.0.limit", message: "must be positive" },
        { field: "body", location: "body", message: "whole body" },
      ]),
    ).toEqual({
      email: "Value is not a valid email address",
      password: "Password is too common",
      "rules.0.limit": "Must be positive",
    });
  });

  it("marks a field whose detail has no text, and never throws on odd details", () => {
    expect(fieldErrorsOf([{ field: "amount", min: 10000, max: 50000000 }])).toEqual({ amount: "Check this value." });
    expect(fieldErrorsOf([{ field: "amount", message: 42 } as never])).toEqual({ amount: "Check this value." });
    const error = apiErrorFrom(422, envelope("amount_out_of_bounds", { details: [null, "text", [1], { field: 7 }, { field: "amount", min: 1 }] }), new Headers());
    expect(error.details).toEqual([{ field: 7 }, { field: "amount", min: 1 }]);
    expect(error.fieldErrors()).toEqual({ amount: "Check this value." });
  });
});
