import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { RateLimitEditor, validateOrigins } from "./pages/Settings";
import { rateLimits } from "./rateLimitStubs";

// The settings editors' checks before sending, held to what the API accepts.
const fetchMock = adminPageTests();

describe("settings checks", () => {
  // shared/backend/utils/origin.checkOrigin takes a bracketed IPv6 host; its finer checks stay the server's.
  it("accepts bracketed IPv6 origins and still refuses a path or a bare IPv6 address", () => {
    expect(validateOrigins(["http://[::1]:5173", "https://[2001:db8::1]", "http://[::ffff:127.0.0.1]:8080"])).toEqual({});
    expect(validateOrigins(["http://[::1]:5173/", "http://::1:5173"])).toEqual({
      "origins.0": expect.stringContaining("not an origin"),
      "origins.1": expect.stringContaining("not an origin"),
    });
  });

  // The gateway keys rules by route group: the API refuses a second rule for a group whatever its scope.
  it("refuses a second rule for a route group with another scope before sending, and says one rule per group", async () => {
    const rule = { routeGroup: "auth", scope: "user", limit: 120, windowSeconds: 60, failMode: "open", enabled: true };
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule], 1)));
    renderAt("/admin/settings", <RateLimitEditor />);
    await userEvent.click(await screen.findByRole("button", { name: "Add rule" }));
    await userEvent.selectOptions(screen.getAllByLabelText("Route group")[1], "auth");
    await userEvent.selectOptions(screen.getAllByLabelText("Scope")[1], "Per IP");
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    expect(screen.getAllByLabelText("Route group")[1]).toHaveAccessibleDescription(/This route group already has a rule: one rule per route group\./);
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
