import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { RateLimitEditor } from "./pages/Settings";
import { rateLimits } from "./rateLimitStubs";

// The editor against the gateway's built-in defaults (rateLimitStubs' DEFAULTS): a new rule starts from its group's
// default, and a rule that lets more through than it says so next to the field, without stopping the save.
const fetchMock = adminPageTests();
const rule = (routeGroup: string, limit: number, windowSeconds: number, failMode: string, enabled = true) =>
  ({ routeGroup, scope: "ip", limit, windowSeconds, failMode, enabled });
const LOOSER = /Looser than the default/;

async function showRules(...rules: object[]) {
  fetchMock.mockResolvedValueOnce(json(200, rateLimits(rules, 1)));
  renderAt("/admin/settings", <RateLimitEditor />);
  await screen.findByRole("button", { name: "Save rules" });
  if (rules.length) await screen.findByRole("group", { name: `Rule ${rules.length}` });
}

describe("rate-limit rules and the gateway's defaults", () => {
  it("fills a new rule with its group's default, again when its group changes", async () => {
    await showRules();
    await userEvent.click(screen.getByRole("button", { name: "Add rule" }));
    const added = screen.getByRole("group", { name: "Rule 1" });
    await userEvent.selectOptions(within(added).getByLabelText("Route group"), "auth-register");
    expect(within(added).getByLabelText("Limit")).toHaveValue("5");
    expect(within(added).getByLabelText("Window (s)")).toHaveValue("300");
    expect(within(added).getByLabelText("Scope")).toHaveValue("ip");
    expect(within(added).getByLabelText("If Redis is down")).toHaveValue("closed");
    expect(within(added).getByLabelText("Route group")).toHaveAccessibleDescription(
      "Default: 5 requests per 300 s per IP, refused while Redis is down (before the gateway's scale).");
    expect(within(added).queryByText(LOOSER)).toBeNull();

    await userEvent.selectOptions(within(added).getByLabelText("Route group"), "auth");
    expect(within(added).getByLabelText("Limit")).toHaveValue("120");
    expect(within(added).getByLabelText("Window (s)")).toHaveValue("60");
    expect(within(added).getByLabelText("Scope")).toHaveValue("user");
    expect(within(added).getByLabelText("If Redis is down")).toHaveValue("open");
  });

  it("keeps a stored rule's values when its group changes", async () => {
    await showRules(rule("auth-login", 3, 60, "closed"));
    await userEvent.selectOptions(screen.getByLabelText("Route group"), "auth-register");
    expect(screen.getByLabelText("Limit")).toHaveValue("3");
    expect(screen.getByLabelText("Window (s)")).toHaveValue("60");
  });

  it("warns, next to the field, about a higher rate, an open fail mode or a disabled rule, and still saves", async () => {
    await showRules(rule("auth-register", 5, 60, "open", false));
    expect(screen.getByLabelText("Limit")).toHaveAccessibleDescription(
      "Looser than the default of 5 requests per 300 s (before the gateway's scale): this rule lets more requests through.");
    expect(screen.getByLabelText("If Redis is down")).toHaveAccessibleDescription(
      "Looser than the default: auth-register refuses requests while Redis is down, and \"Allow (open)\" lets them through unlimited.");
    expect(screen.getByLabelText("Enabled")).toHaveAccessibleDescription(
      "Looser than the default: a disabled rule leaves auth-register without any limit.");
    expect(screen.getAllByText(LOOSER)).toHaveLength(3);

    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule("auth-register", 5, 60, "open", false)], 2)));
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    expect(await screen.findByText("Rate limits saved.")).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).rules).toEqual([rule("auth-register", 5, 60, "open", false)]);
  });

  it("warns about a bigger burst at the default's rate: the same rate over a longer window", async () => {
    await showRules(rule("auth-register", 50, 3000, "closed"));
    expect(screen.getByLabelText("Limit")).toHaveAccessibleDescription(
      "Looser than the default of 5 requests per 300 s (before the gateway's scale): this rule lets up to 50 requests through at once.");
    expect(screen.getAllByText(LOOSER)).toHaveLength(1);
  });

  it("says nothing for a rule as strict as its default or stricter", async () => {
    await showRules(rule("auth-register", 5, 300, "closed"), rule("auth-login", 1, 6, "closed"),
      rule("auth", 60, 60, "closed"), rule("payment", 120, 120, "open"));
    expect(screen.queryByText(LOOSER)).toBeNull();
    for (const limit of screen.getAllByLabelText("Limit")) expect(limit).not.toHaveAccessibleDescription(LOOSER);
  });

  it("warns as soon as an edit loosens a rule", async () => {
    await showRules(rule("auth-login", 10, 60, "closed"));
    expect(screen.queryByText(LOOSER)).toBeNull();
    await userEvent.clear(screen.getByLabelText("Limit"));
    await userEvent.type(screen.getByLabelText("Limit"), "11");
    expect(screen.getByLabelText("Limit")).toHaveAccessibleDescription(LOOSER);
    await userEvent.selectOptions(screen.getByLabelText("If Redis is down"), "open");
    expect(screen.getByLabelText("If Redis is down")).toHaveAccessibleDescription(LOOSER);
  });
});
