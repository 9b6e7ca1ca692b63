import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { RateLimitEditor } from "./pages/Settings";
import { rateLimits } from "./rateLimitStubs";

// The groups no signed-in user reaches (the answer's anonymousGroups; rateLimitStubs names auth-login and
// auth-register) take a per-IP rule only: the API refuses a per-user one, since each attached session would count
// apart.
const fetchMock = adminPageTests();
const rule = (routeGroup: string, scope: string) =>
  ({ routeGroup, scope, limit: 10, windowSeconds: 60, failMode: "closed", enabled: true });
const scopes = (group: HTMLElement) =>
  within(within(group).getByLabelText("Scope")).getAllByRole("option").map((option) => option.textContent);

async function showRules(...rules: object[]) {
  fetchMock.mockResolvedValueOnce(json(200, rateLimits(rules, 1)));
  renderAt("/admin/settings", <RateLimitEditor />);
  await screen.findByRole("button", { name: "Save rules" });
  if (rules.length) await screen.findByRole("group", { name: `Rule ${rules.length}` });
}

describe("rate-limit scopes of groups without a signed-in user", () => {
  it("offers only Per IP for such a group, and both scopes for the others", async () => {
    await showRules(rule("auth-login", "ip"), rule("auth", "user"));
    const login = screen.getByRole("group", { name: "Rule 1" });
    expect(scopes(login)).toEqual(["Per IP"]);
    expect(within(login).getByLabelText("Scope")).toHaveAccessibleDescription("Per IP only: no signed-in user reaches auth-login.");
    expect(scopes(screen.getByRole("group", { name: "Rule 2" }))).toEqual(["Per IP", "Per user"]);
  });

  it("turns a per-user rule moved to such a group into a per-IP one", async () => {
    await showRules(rule("auth", "user"));
    await userEvent.selectOptions(screen.getByLabelText("Route group"), "auth-register");
    expect(screen.getByLabelText("Scope")).toHaveValue("ip");
    expect(scopes(screen.getByRole("group", { name: "Rule 1" }))).toEqual(["Per IP"]);
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule("auth-register", "ip")], 2)));
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    expect(await screen.findByText("Rate limits saved.")).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).rules).toEqual([rule("auth-register", "ip")]);
  });

  it("shows a stored per-user rule of such a group as the gateway counts it, per IP, and saves it so", async () => {
    await showRules(rule("auth-login", "user"));
    expect(screen.getByLabelText("Scope")).toHaveValue("ip");
    expect(screen.getByLabelText("Scope")).toHaveAccessibleDescription(
      "Stored as per user, but no signed-in user reaches auth-login: the gateway counts it per IP, and saving stores Per IP.");
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule("auth-login", "ip")], 2)));
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    expect(await screen.findByText("Rate limits saved.")).toBeInTheDocument();
    expect(JSON.parse(fetchMock.mock.calls[1][1].body).rules).toEqual([rule("auth-login", "ip")]);
  });

  // A group the page did not know as such (loaded before the server's defaults file changed): the API's word.
  it("shows the API's refusal of a scope next to the field", async () => {
    const message = "No signed-in user reaches auth: its rule must use scope ip";
    await showRules(rule("auth", "user"));
    fetchMock.mockResolvedValueOnce(json(422, envelope("validation_failed", [{ field: "rules.0.scope", message }])));
    await userEvent.click(screen.getByRole("button", { name: "Save rules" }));
    await waitFor(() => expect(screen.getByLabelText("Scope")).toHaveAccessibleDescription(message));
    expect(screen.getByRole("alert")).toHaveTextContent("Some fields need attention.");
  });
});
