import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { UserDetailPage } from "./pages/UserDetail";
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

  it("a user's page keeps its heading after a failed load and offers Try again", async () => {
    fetchMock
      .mockResolvedValueOnce(json(503, envelope("service_unavailable"), { "Retry-After": "5" }))
      .mockResolvedValueOnce(json(200, { id: "u1", email: "alice@example.com", displayName: null, status: "active", roles: ["user"], emailVerifiedAt: null, lockedUntil: null, mfaEnabled: false, createdAt: "2026-01-01T00:00:00Z" }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("The service is temporarily unavailable.");
    expect(screen.getByRole("heading", { level: 1, name: "User" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("heading", { level: 1, name: "alice@example.com" })).toBeInTheDocument();
  });
});
