import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { UsersPage } from "./pages/Users";

// A list whose load failed (a 429 from the gateway, a 503 with Retry-After) offers to try again: no browser reload.
const fetchMock = adminPageTests();

describe("admin lists after a failed load", () => {
  it("the users list offers Try again, which loads it", async () => {
    fetchMock
      .mockResolvedValueOnce(json(429, envelope("rate_limited"), { "Retry-After": "3" }))
      .mockResolvedValueOnce(json(200, { items: [{ id: "u1", email: "alice@example.com", displayName: null, status: "active", roles: ["user"], createdAt: "2026-01-01T00:00:00Z" }], nextCursor: null }));
    renderAt("/admin/users", <UsersPage />);
    expect(await screen.findByRole("alert")).toHaveTextContent(/Too many attempts\. Try again in [23] s\./);
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("alice@example.com")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
