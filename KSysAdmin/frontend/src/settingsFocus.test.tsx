import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { CorsEditor, RateLimitEditor } from "./pages/Settings";
import { rateLimits } from "./rateLimitStubs";

// Keyboard use of the settings editors: focus never falls to <body> (where the next Tab starts from the top).
const fetchMock = adminPageTests();
applyFocusFixup();
const rule = (routeGroup: string) => ({ routeGroup, scope: "ip", limit: 5, windowSeconds: 60, failMode: "open", enabled: true });

describe("settings editors' focus", () => {
  it("CORS origins: after a save, on the notice saying so", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com"], version: 3 }))
      .mockResolvedValueOnce(json(200, { origins: ["https://a.example.com"], version: 4 }));
    renderAt("/admin/settings", <CorsEditor />);
    await userEvent.click(await screen.findByRole("button", { name: "Save origins" }));
    const notice = await screen.findByText(/CORS origins saved/);
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("rate limits: after a save, on the notice saying so", async () => {
    fetchMock
      .mockResolvedValueOnce(json(200, rateLimits([rule("auth-login")], 1)))
      .mockResolvedValueOnce(json(200, rateLimits([rule("auth-login")], 2)));
    renderAt("/admin/settings", <RateLimitEditor />);
    await userEvent.click(await screen.findByRole("button", { name: "Save rules" }));
    const notice = await screen.findByText("Rate limits saved.");
    await waitFor(() => expect(notice).toHaveFocus());
  });

  it("rate limits: each Remove names its rule, a removed rule hands focus to Add rule, and a new rule takes it", async () => {
    fetchMock.mockResolvedValueOnce(json(200, rateLimits([rule("auth-login"), rule("payment")], 1)));
    renderAt("/admin/settings", <RateLimitEditor />);
    await userEvent.click(await screen.findByRole("button", { name: "Remove rule 2" }));
    expect(screen.getByRole("button", { name: "Add rule" })).toHaveFocus();
    expect(screen.queryByRole("group", { name: "Rule 2" })).toBeNull();
    await userEvent.keyboard("{Enter}");
    const added = screen.getByRole("group", { name: "Rule 2" });
    await waitFor(() => expect(added.querySelector('[name="rules.1.routeGroup"]')).toHaveFocus());
  });
});
