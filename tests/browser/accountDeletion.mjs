// Self-service account deletion (imported by flows.test.mjs): a user deletes the account on the profile page, every
// tab and browser of that user is signed out, the old address and password no longer sign in, and the admin console
// shows the account Deleted with no action left.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { expectAccessible } from "./axe.mjs";
import {
  launchBrowser, loginAdmin, loginUser, newPage, newTab, registerThroughPages, screenshot, step, uniqueEmail,
} from "./helpers.mjs";

const PASSWORD = "Kservices-delete-Passphrase-42";

// Signs in through the login page and returns the account's id, read from the profile's GET /api/auth/me.
async function loginReadingId(page, email) {
  const me = page.waitForResponse((r) => r.url().endsWith("/api/auth/me") && r.request().method() === "GET");
  await loginUser(page, email, PASSWORD);
  return (await (await me).json()).id;
}

// The login page's answer to an address and password: the alert's text and the API's error code.
async function refusedLogin(page, email, password) {
  await page.goto("/auth/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/auth/login") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return { status: response.status(), code: await alert.getAttribute("data-error-code"), text: (await alert.textContent()).trim() };
}

describe("Account deletion", { concurrency: false }, () => {
  let browser;
  const email = uniqueEmail("e2e-delete");
  let userId;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it("deletes the account on the profile: this tab lands signed out, the other tab and browser are signed out", async () => {
    const page = await newPage(browser);
    const otherBrowser = await newPage(browser);
    let otherTab;
    await step(page, "delete-account", async () => {
      await registerThroughPages(page, email, PASSWORD);
      await loginUser(otherBrowser, email, PASSWORD);
      userId = await loginReadingId(page, email);
      assert.match(userId, /^[0-9a-f-]{36}$/);
      // A second tab of this browser, restored from the shared cookie.
      otherTab = await newTab(page);
      await otherTab.goto("/auth/sessions");
      await otherTab.getByRole("heading", { name: "Your sessions", exact: true }).waitFor();

      const deletes = [];
      page.on("request", (request) => {
        if (request.url().endsWith("/api/auth/me/delete")) deletes.push(request.method());
      });
      const section = page.getByRole("form", { name: "Delete account" });
      const deleteButton = section.getByRole("button", { name: "Delete account", exact: true });
      // A wrong password is refused in the section, and nothing is deleted.
      await section.getByLabel("Password").fill("not-the-password-1");
      await deleteButton.click();
      const dialog = page.getByRole("alertdialog", { name: "Delete your account for good?" });
      await dialog.waitFor();
      await expectAccessible(page, "auth profile, delete account dialog");
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/api/auth/me/delete") && r.status() === 403),
        dialog.getByRole("button", { name: "Delete my account for good" }).click(),
      ]);
      await page.getByRole("alert").filter({ hasText: "The password is incorrect." }).waitFor();
      await expectAccessible(page, "auth profile, delete account with a wrong password");

      await section.getByLabel("Password").fill(PASSWORD);
      await deleteButton.click();
      // Keep my account closes the dialog and sends nothing.
      await dialog.getByRole("button", { name: "Keep my account" }).click();
      await dialog.waitFor({ state: "detached" });
      assert.equal(await page.getByTestId("profile-email").textContent(), email);
      assert.deepEqual(deletes, ["POST"], "only the wrong password's request was sent");
      await deleteButton.click();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/api/auth/me/delete") && r.status() === 204),
        dialog.getByRole("button", { name: "Delete my account for good" }).click(),
      ]);
      await page.getByRole("heading", { name: "Your account has been deleted", exact: true, level: 1 }).waitFor();
      assert.match(page.url(), /\/auth\/account-deleted$/);
      assert.deepEqual(deletes, ["POST", "POST"]);
      assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0, "this tab is signed out");
      const cookie = (await page.context().cookies()).find((c) => c.name === "kauth_refresh");
      assert.equal(cookie, undefined, "the refresh cookie is cleared");
      await expectAccessible(page, "auth account deleted");
      await screenshot(page, "08-account-deleted");
    });
    await step(otherTab, "delete-account-other-tab", async () => {
      // The deleting tab tells the others: this one goes to sign in without a reload, and stays there after one.
      await otherTab.waitForURL(/\/auth\/login\?next=%2Fauth%2Fsessions$/);
      await otherTab.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
      await otherTab.goto("/auth/");
      await otherTab.waitForURL(/\/auth\/login\?next=%2Fauth%2F$/);
      await otherTab.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
    });
    await step(otherBrowser, "delete-account-other-browser", async () => {
      // Another browser's session ended on the server: its next request, then a reload, land on sign in. The refused
      // request loads the login page (the app may route there first): wait for that load before the next navigation.
      await Promise.all([otherBrowser.waitForEvent("load"), otherBrowser.getByRole("link", { name: "Sessions" }).click()]);
      await otherBrowser.waitForURL(/\/auth\/login\?next=%2Fauth%2Fsessions$/);
      await otherBrowser.goto("/auth/");
      await otherBrowser.waitForURL(/\/auth\/login\?next=%2Fauth%2F$/);
      await otherBrowser.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
      await screenshot(otherBrowser, "09-account-deleted-other-browser");
    });
    await page.context().close();
    await otherBrowser.context().close();
  });

  it("the deleted account's address and password answer as an unknown account's", async () => {
    const page = await newPage(browser);
    await step(page, "delete-account-login", async () => {
      const deleted = await refusedLogin(page, email, PASSWORD);
      assert.deepEqual(deleted, { status: 401, code: "invalid_credentials", text: "The email or password is incorrect." });
      const unknown = await refusedLogin(page, uniqueEmail("e2e-nobody"), PASSWORD);
      assert.deepEqual(deleted, unknown);
    });
    await page.context().close();
  });

  it("the admin console lists the account under Deleted, with its email erased, and offers no action on it", async () => {
    const page = await newPage(browser);
    await step(page, "delete-account-admin", async () => {
      assert.ok(userId, "the deletion flow did not run");
      const placeholder = `deleted-${userId}@invalid`;
      await loginAdmin(page);
      await page.getByRole("link", { name: "Users" }).click();
      // Picks the status (the list follows at once), then searches; waits for the list of both.
      const search = async (text, status) => {
        const select = page.getByLabel("Status");
        await select.selectOption({ label: status });
        const value = await select.inputValue();
        await page.waitForURL((url) => (url.searchParams.get("status") ?? "") === value);
        await page.getByLabel("Email starts with").fill(text);
        await Promise.all([
          page.waitForResponse((r) => {
            const url = new URL(r.url());
            return url.pathname === "/api/admin/users" && url.searchParams.get("emailPrefix") === text
              && (url.searchParams.get("status") ?? "") === value;
          }),
          page.getByRole("button", { name: "Search" }).click(),
        ]);
        await page.locator(".loading").waitFor({ state: "detached" });
      };
      // The list leaves deleted accounts out unless asked for them; the old address is erased.
      await search(`deleted-${userId}`, "Any status");
      await page.getByText("No users match.").waitFor();
      await search(email, "Deleted");
      await page.getByText("No users match.").waitFor();
      await search(`deleted-${userId}`, "Deleted");
      const row = page.getByRole("row").filter({ has: page.getByRole("link", { name: placeholder, exact: true }) });
      await row.waitFor();
      assert.equal(await row.getByRole("cell").nth(1).textContent(), "Deleted");
      await expectAccessible(page, "admin users, Deleted");

      await row.getByRole("link", { name: placeholder }).click();
      await page.getByRole("heading", { name: placeholder, level: 1 }).waitFor();
      assert.equal(await page.getByTestId("user-status").textContent(), "Deleted");
      await page.getByTestId("deleted-account").waitFor();
      // Both sign-ins' sessions ended with the deletion (the second tab shared the first one's).
      const sessions = page.locator("section", { has: page.getByRole("heading", { name: "Sessions", exact: true, level: 2 }) }).locator("tbody tr");
      assert.equal(await sessions.count(), 2);
      for (const text of await sessions.allTextContents()) assert.match(text, /\(account_deleted\)$/);
      // The header's Sign out is the console's; the user's page holds no button and no role to tick.
      const main = page.locator("main");
      assert.deepEqual(await main.getByRole("button").allTextContents(), []);
      assert.equal(await main.getByRole("checkbox").count(), 0);
      await expectAccessible(page, "admin user detail, deleted");
      await screenshot(page, "10-admin-user-deleted");
    });
    await page.context().close();
  });
});
