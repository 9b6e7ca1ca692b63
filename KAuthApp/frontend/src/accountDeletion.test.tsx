import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { envelope, json } from "../../../frontend-shared/src/test/responses";
import { stubFetch } from "../../../frontend-shared/src/test/fetchStub";
import { applyFocusFixup } from "../../../frontend-shared/src/test/focusFixup";
import { tokens } from "./api";
import { App } from "./App";

// The profile's "Delete account" section: the password (and with two-factor on the code, as turning two-factor off
// asks), a confirmation, then POST /api/auth/me/delete; a 204 signs this tab and the others out.
const fetchMock = stubFetch();
applyFocusFixup();
const me = { id: "u1", email: "a@example.com", displayName: "Alice", phoneNumber: null, emailVerified: true, mfaEnabled: false, roles: ["user"], createdAt: "2026-01-01T00:00:00Z" };

// Another tab of the same browser, listening on the app's BroadcastChannel.
let otherTab: BroadcastChannel;
let heard: unknown[];
beforeEach(() => {
  tokens.clear();
  heard = [];
  otherTab = new BroadcastChannel("kservices-auth");
  otherTab.onmessage = (event: MessageEvent) => heard.push(event.data);
});
afterEach(() => {
  otherTab.close();
});

const deleteBodies = () => fetchMock.mock.calls.filter(([url]) => String(url).endsWith("/api/auth/me/delete")).map(([, init]) => JSON.parse(init.body));

// The app signed in on the profile, the deletion answered by `answer`.
async function showProfile(mfaEnabled: boolean, answer: () => Response | Promise<Response> = () => new Response(null, { status: 204 })) {
  fetchMock.mockImplementation(async (url: string) => {
    if (url.endsWith("/api/auth/me")) return json(200, { ...me, mfaEnabled });
    if (url.endsWith("/api/auth/me/delete")) return answer();
    return json(404, envelope("not_found"));
  });
  tokens.setTokens({ accessToken: "acc", expiresIn: 900 });
  window.history.pushState(null, "", "/auth/");
  render(<App />);
  return within((await screen.findByRole("heading", { level: 2, name: "Delete account" })).closest("section")!);
}

// Presses "Delete account" and returns the confirmation it opened.
async function askToDelete(section: ReturnType<typeof within>) {
  await userEvent.click(section.getByRole("button", { name: "Delete account" }));
  return screen.getByRole("alertdialog", { name: "Delete your account for good?" });
}

describe("deleting the account", () => {
  it("says what is erased and what is kept, and asks only for the password without two-factor", async () => {
    const section = await showProfile(false);
    expect(section.getByText(/erases your email, name and phone number/)).toHaveTextContent(/payment records and the security log are kept\. To keep a copy of your data, download it above first\.$/);
    expect(section.getByLabelText("Password")).toBeInTheDocument();
    expect(section.queryByLabelText("Authentication code")).toBeNull();
    expect(section.queryByRole("button", { name: /recovery code/ })).toBeNull();
  });

  it("checks the password, then asks for a confirmation before anything is sent", async () => {
    const section = await showProfile(false);
    await userEvent.click(section.getByRole("button", { name: "Delete account" }));
    expect(section.getByLabelText("Password")).toHaveAccessibleDescription(/Enter your password/);
    expect(section.getByLabelText("Password")).toHaveFocus();
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await userEvent.type(section.getByLabelText("Password"), "right-password");
    const dialog = await askToDelete(section);
    expect(dialog).toHaveAccessibleDescription(/cannot be undone/);
    // Destructive: focus starts on the safe choice, which sends nothing and gives focus back.
    expect(within(dialog).getByRole("button", { name: "Keep my account" })).toHaveFocus();
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep my account" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(section.getByRole("button", { name: "Delete account" })).toHaveFocus();
    expect(deleteBodies()).toEqual([]);
    expect(tokens.getAccessToken()).toBe("acc");
  });

  it("sends the password with no code, then signs this tab and the others out and says the account is gone", async () => {
    const section = await showProfile(false);
    await userEvent.type(section.getByLabelText("Password"), "right-password");
    await userEvent.click(within(await askToDelete(section)).getByRole("button", { name: "Delete my account for good" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your account has been deleted" })).toBeInTheDocument();
    expect(deleteBodies()).toEqual([{ password: "right-password", code: null, recoveryCode: null }]);
    const call = fetchMock.mock.calls.find(([url]) => String(url).endsWith("/api/auth/me/delete"))!;
    expect(call[1].method).toBe("POST");
    expect(call[1].headers.Authorization).toBe("Bearer acc");
    expect(window.location.pathname).toBe("/auth/account-deleted");
    expect(tokens.getAccessToken()).toBeNull();
    expect(tokens.canRefresh()).toBe(false);
    await waitFor(() => expect(heard).toEqual([{ type: "signed-out" }]));
    // Signed out: no Sign out button, the sign-in and register links instead, and it stays on this page.
    expect(screen.queryByRole("button", { name: "Sign out" })).toBeNull();
    expect(screen.getByRole("link", { name: "Sign in" })).toBeInTheDocument();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(window.location.pathname).toBe("/auth/account-deleted");
    expect(sessionStorage.length + localStorage.length).toBe(0);
  });

  it("with two-factor on asks for the code as turning it off does, and sends it as ASCII digits", async () => {
    const section = await showProfile(true);
    await userEvent.type(section.getByLabelText("Password"), "right-password");
    await userEvent.click(section.getByRole("button", { name: "Delete account" }));
    expect(section.getByLabelText("Authentication code")).toHaveFocus();
    expect(screen.queryByRole("alertdialog")).toBeNull();
    await userEvent.type(section.getByLabelText("Authentication code"), "１２３ ４５６");
    await userEvent.click(within(await askToDelete(section)).getByRole("button", { name: "Delete my account for good" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your account has been deleted" })).toBeInTheDocument();
    expect(deleteBodies()).toEqual([{ password: "right-password", code: "123456", recoveryCode: null }]);
  });

  it("with two-factor on takes a recovery code instead", async () => {
    const section = await showProfile(true);
    await userEvent.type(section.getByLabelText("Password"), "right-password");
    await userEvent.click(section.getByRole("button", { name: "Lost your authenticator? Use a recovery code" }));
    await userEvent.type(section.getByLabelText("Recovery code"), " abcde-01234-abcde-01234 ");
    await userEvent.click(within(await askToDelete(section)).getByRole("button", { name: "Delete my account for good" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Your account has been deleted" })).toBeInTheDocument();
    expect(deleteBodies()).toEqual([{ password: "right-password", code: null, recoveryCode: "abcde-01234-abcde-01234" }]);
  });

  it.each([
    ["a wrong password", 403, "invalid_password", {}, "The password is incorrect."],
    ["a wrong code", 401, "invalid_mfa_code", {}, "That code is not valid. Check your authenticator app and try again."],
    ["a locked account", 423, "account_locked", { "Retry-After": "900" }, "This account is locked. Try again in 15 min."],
    ["pending payments", 409, "payments_pending", {}, "Finish or cancel your pending payments before deleting the account."],
    ["unsettled payments", 409, "payments_unsettled", {}, "One of your payments may still be paid (a cancelled or expired QR code stays payable for a while) or is being reviewed by our staff. You can delete the account once it is settled."],
    ["an admin account", 409, "admin_account", {}, "An administrator's account can be deleted only after another administrator removes its admin roles."],
  ])("keeps the user signed in on %s and says why, with focus on the sentence", async (_, status, code, headers, sentence) => {
    const section = await showProfile(true, () => json(status, envelope(code), headers));
    await userEvent.type(section.getByLabelText("Password"), "a-password");
    await userEvent.type(section.getByLabelText("Authentication code"), "123456");
    await userEvent.click(within(await askToDelete(section)).getByRole("button", { name: "Delete my account for good" }));
    const alert = await section.findByRole("alert");
    expect(alert).toHaveTextContent(sentence);
    await waitFor(() => expect(alert).toHaveFocus());
    expect(tokens.getAccessToken()).toBe("acc");
    expect(window.location.pathname).toBe("/auth/");
    expect(section.getByLabelText("Password")).toHaveValue("a-password");
    expect(heard).toEqual([]);
    // Pending payments: the way to them.
    const payments = section.queryByRole("link", { name: "Go to your payments" });
    if (code === "payments_pending") expect(payments).toHaveAttribute("href", "/payment/");
    else expect(payments).toBeNull();
  });
});
