import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json } from "../../../frontend-shared/src/test/responses";
import { adminPageTests, renderAt } from "./adminPageTests";
import { payment, serveDetail } from "./paymentDetailStubs";
import { PaymentDetailPage } from "./pages/PaymentDetail";
import { SettingsPage } from "./pages/Settings";
import { rateLimits } from "./rateLimitStubs";
import { UserDetailPage } from "./pages/UserDetail";

// Pages made of several sections: one <h1> names the page, the other sections have <h2>s.
const fetchMock = adminPageTests();

const level1 = () => screen.getAllByRole("heading", { level: 1 }).map((heading) => heading.textContent);

describe("page headings", () => {
  it("user detail: the email is the one <h1>", async () => {
    fetchMock.mockResolvedValueOnce(json(200, {
      id: "u1", email: "ann@example.com", status: "active", roles: ["user"], displayName: null, emailVerifiedAt: null, lockedUntil: null,
      mfaEnabled: false, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", deletedAt: null, sessions: [], recentAudit: [],
    }));
    renderAt("/admin/users/u1", <UserDetailPage id="u1" />);
    expect(await screen.findByRole("heading", { name: "Recent audit entries", level: 2 })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Sessions", level: 2 })).toBeInTheDocument();
    expect(level1()).toEqual(["ann@example.com"]);
  });

  it("payment detail: Payment is the one <h1>", async () => {
    serveDetail(fetchMock, { payment: [json(200, payment)] });
    renderAt("/admin/payments/p1", <PaymentDetailPage id="p1" />);
    expect(await screen.findByRole("heading", { name: "Events", level: 2 })).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Flag history", level: 2 })).toBeInTheDocument();
    expect(level1()).toEqual(["Payment"]);
  });

  it("settings: one <h1> above the two editors", async () => {
    fetchMock.mockImplementation(async (url: string) =>
      url.endsWith("/cors") ? json(200, { origins: [], version: 1 }) : json(200, rateLimits([], 1)));
    renderAt("/admin/settings", <SettingsPage />);
    expect(await screen.findByRole("heading", { name: "CORS origins", level: 2 })).toBeInTheDocument();
    expect(await screen.findByRole("heading", { name: "Rate limits", level: 2 })).toBeInTheDocument();
    expect(level1()).toEqual(["Settings"]);
  });
});
