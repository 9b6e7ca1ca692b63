import { describe, expect, it } from "vitest";
import { normalizeTotp, validateTotp } from "./validation";

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
