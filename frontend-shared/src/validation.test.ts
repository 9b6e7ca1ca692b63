import { describe, expect, it } from "vitest";
import { normalizeTotp, validateEmail, validateTotp } from "./validation";

// The server reads a TOTP code as six ASCII digits and refuses any other digit as a wrong code, which counts toward the
// lockout: what users type from an authenticator's display or a phone keyboard is turned into that first.
describe("normalizeTotp", () => {
  it.each([
    ["123 456", "123456"],
    [" 123-456 ", "123456"],
    ["１２３４５６", "123456"],
    ["١٢٣٤٥٦", "123456"],
    ["۰۹۸۷۶۵", "098765"],
    ["०१२३४५", "012345"],
    ["123\u00a0456", "123456"],
  ])("reads %j as %j", (typed, sent) => {
    expect(normalizeTotp(typed)).toBe(sent);
    expect(validateTotp(typed)).toBeUndefined();
  });

  it("still refuses what is not six digits", () => {
    for (const typed of ["12345", "1234567", "12a456", "", "123.456"]) {
      expect(validateTotp(typed)).toBe("Enter the 6-digit code from your authenticator app.");
    }
  });
});

describe("validateEmail", () => {
  it.each(["name@example.com", "a@b.c", "x.y+z@sub.example.co.id", " name@example.com "])("takes %j", (typed) => {
    expect(validateEmail(typed)).toBeUndefined();
  });

  it.each(["name", "@example.com", "name@", "name@example", "name@.com", "name@example.", "a@b@c.d", "na me@example.com",
    "name@exa\u00a0mple.com"])("refuses %j", (typed) => {
    expect(validateEmail(typed)).toBe("Enter a valid email address, like name@example.com.");
  });

  // A pasted run of dots after the "@": the regex this replaced backtracked over it quadratically (minutes here).
  it("refuses a long domain of dots", () => {
    expect(validateEmail(`a@${".".repeat(1_000_000)}@`)).toBe("Enter a valid email address, like name@example.com.");
  });
});
