import { describe, expect, it } from "vitest";
import { describeAgent } from "./pages/Sessions";

describe("describeAgent", () => {
  it("names a known browser and system", () => {
    expect(describeAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36")).toBe("Chrome on Linux");
  });

  // A right-to-left override in an unknown agent would reverse the rest of "Sign out <agent> at <ip>?".
  it("isolates an unknown agent so its direction characters stay inside it", () => {
    const named = describeAgent("curl\u202e1.2.3.4 ta");
    expect(named).toBe("\u2068curl\u202e1.2.3.4 ta\u2069");
    expect(`Sign out ${named} at 10.0.0.1?`.endsWith("\u2069 at 10.0.0.1?")).toBe(true);
  });

  it("cuts an unknown agent at 60 characters without splitting one", () => {
    expect(describeAgent("\u{1F600}".repeat(70))).toBe(`\u2068${"\u{1F600}".repeat(60)}\u2069`);
  });
});
