import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json, envelope } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { renderInApp } from "../../../frontend-shared/src/test/renderAt";
import { tokens } from "./api";
import { MfaPage } from "./pages/Mfa";

const renderAt = renderInApp("/auth/");
const secret = "JBSWY3DPEHPK3PXP";
const provisioningUri = `otpauth://totp/KServices:a%40example.com?secret=${secret}&issuer=KServices`;
const codes = Array.from({ length: 10 }, (_, i) => `code-${i}`);
const me = { id: "u1", email: "a@example.com", displayName: null, phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };

const fetchMock = stubFetch();
// The auth service's two-factor state: GET me reports what setup/enable/disable did.
function serveMfa(enabled: boolean) {
  const state = { enabled };
  fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
    if (url.endsWith("/api/auth/me")) return json(200, { ...me, mfaEnabled: state.enabled });
    if (url.endsWith("/mfa/totp/setup")) return json(200, { secret, provisioningUri });
    if (url.endsWith("/mfa/totp/enable")) {
      state.enabled = true;
      return json(200, { recoveryCodes: codes });
    }
    if (url.endsWith("/mfa/totp/disable")) {
      state.enabled = false;
      return new Response(null, { status: 204 });
    }
    return json(404, envelope("not_found", [{ url, method: init.method }]));
  });
  return state;
}

async function enableMfa() {
  await userEvent.type(await screen.findByLabelText("Password"), "right-password");
  await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
  await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
  await userEvent.click(screen.getByRole("button", { name: "Enable" }));
  await screen.findByTestId("recovery-codes");
}

beforeEach(() => {
  tokens.clear();
});

describe("MfaPage", () => {
  const setupBodies = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/mfa/totp/setup")).map(([, init]) => JSON.parse(init.body));

  it("asks for the password before a new secret is shown", async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/api/auth/me")) return json(200, me);
      if (url.endsWith("/api/auth/mfa/totp/setup")) {
        return JSON.parse(String(init.body)).password === "right-password"
          ? json(200, { secret, provisioningUri })
          : json(403, envelope("invalid_password"));
      }
      return json(404, envelope("not_found"));
    });
    renderAt("/auth/mfa", <MfaPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Set up two-factor authentication" }));
    expect(screen.getByLabelText("Password")).toHaveAccessibleDescription(/Enter your password/);
    expect(setupBodies()).toEqual([]);
    await userEvent.type(screen.getByLabelText("Password"), "wrong-password");
    await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The password is incorrect.");
    expect(screen.queryByTestId("totp-secret")).toBeNull();
    await userEvent.clear(screen.getByLabelText("Password"));
    await userEvent.type(screen.getByLabelText("Password"), "right-password");
    await userEvent.click(screen.getByRole("button", { name: "Set up two-factor authentication" }));
    expect(await screen.findByTestId("totp-secret")).toHaveTextContent(secret);
    expect(setupBodies()).toEqual([{ password: "wrong-password" }, { password: "right-password" }]);
  });

  it("after turning it off and on again, says it is on", async () => {
    serveMfa(true);
    renderAt("/auth/mfa", <MfaPage />);
    expect(await screen.findByText("Two-factor authentication is enabled on your account.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Password"), "right-password");
    await userEvent.type(screen.getByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Disable two-factor" }));
    expect(await screen.findByText("Two-factor authentication was turned off.")).toBeInTheDocument();
    await enableMfa();
    await userEvent.click(screen.getByRole("button", { name: "I saved them" }));
    expect(await screen.findByText("Two-factor authentication is enabled on your account.")).toBeInTheDocument();
    expect(screen.queryByText("Two-factor authentication was turned off.")).toBeNull();
    expect(screen.getByRole("button", { name: "Disable two-factor" })).toBeInTheDocument();
  });
});
