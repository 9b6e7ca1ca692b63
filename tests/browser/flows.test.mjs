// End-to-end flows of issue 8 through the gateway, in Debian's headless Chromium.
// Needs the full stack: GATEWAY_URL, MAIL_OUTBOX_DIR, E2E_ADMIN_EMAIL, E2E_ADMIN_PASSWORD
// (a superadmin), and frontends built with `npm run build:dev` (the simulate button).
// The BRI simulator's dev routes are reached at BRI_SIMULATOR_URL (or 127.0.0.1:TEST_BRI_PORT).
// Nothing is skipped: a missing endpoint or variable fails the test. The one exception is the mock run
// (runWithMock.mjs): the late-payment flow needs the simulator and the flag API, and is reported skipped there.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  adminToken, api, assertNoProblems, env, launchBrowser, loginAdmin, loginUser, newPage, nextTotpWindow, payAtSimulator,
  registerThroughPages, screenshot, sleep, totp, uniqueEmail,
} from "./helpers.mjs";
import { expectAccessible } from "./axe.mjs";
import "./accessibility.mjs";
import "./accountDeletion.mjs";
import "./accountExport.mjs";

const PASSWORD = "Kservices-e2e-Passphrase-42";

async function step(page, name, fn) {
  try {
    await fn();
  } catch (error) {
    await screenshot(page, `${name}-failure`).catch(() => undefined);
    throw error;
  }
}

describe("KServices frontends through the gateway", { concurrency: false }, () => {
  let browser;
  const email = uniqueEmail("e2e-user");
  let originalRateLimits = null;

  before(async () => {
    // Fail fast and loudly when the environment is incomplete.
    void env.gateway;
    void env.outbox;
    browser = await launchBrowser();
  });

  after(async () => {
    if (originalRateLimits) {
      const login = await api("POST", "/api/admin/auth/login", { body: { email: env.adminEmail, password: env.adminPassword } });
      const token = login.data?.accessToken;
      const current = await api("GET", "/api/admin/settings/rate-limits", { token });
      await api("PUT", "/api/admin/settings/rate-limits", {
        token,
        body: { rules: originalRateLimits.rules, version: current.data?.version },
      });
    }
    await browser?.close();
  });

  it("serves the three apps with deep links and the strict CSP", async () => {
    const page = await newPage(browser);
    const cases = [
      ["/auth/register", /\/auth\/register$/, "Create an account"],
      // Signed out: the payment and admin apps send the visitor to their login pages, keeping the deep link.
      ["/payment/new", /\/auth\/login\?next=%2Fpayment%2Fnew$/, "Sign in"],
      ["/admin/users", /\/admin\/login\?next=%2Fadmin%2Fusers$/, "Administrator sign in"],
    ];
    for (const [path, finalUrl, heading] of cases) {
      const response = await page.goto(path);
      assert.equal(response.status(), 200, `${path} should fall back to the app's index.html`);
      assert.match(response.headers()["content-security-policy"] ?? "", /script-src 'self'/);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      assert.match(page.url(), finalUrl);
    }
    assertNoProblems(page);
    await page.context().close();
  });

  it("wraps a long email address inside its notice on a narrow screen", async () => {
    const page = await newPage(browser);
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto("/auth/forgot-password");
    await page.getByLabel("Email").fill(`${"a".repeat(60)}@${"b".repeat(60)}.example.com`);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByText("If an account exists").waitFor();
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
    assert.ok(widths.page <= widths.window, `the page scrolls sideways: ${widths.page} px wide in a ${widths.window} px window`);
    assertNoProblems(page);
    await page.context().close();
  });

  it("registers, verifies by the emailed link, signs in, pays by BRIVA and sees it paid", async () => {
    const page = await newPage(browser);
    await step(page, "register-pay", async () => {
      await registerThroughPages(page, email, PASSWORD);
      await loginUser(page, email, PASSWORD);
      assert.equal(await page.getByTestId("profile-email").textContent(), email);

      // The refresh token is only in the HttpOnly cookie; web storage stays empty.
      const cookie = (await page.context().cookies()).find((c) => c.name === "kauth_refresh");
      assert.ok(cookie, "the auth service should set the kauth_refresh cookie on login");
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, "Strict");
      assert.equal(cookie.path, "/api/auth");
      const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
      assert.equal(stored, 0, "no tokens in localStorage or sessionStorage");

      // A full page load into the payment app: the cookie restores the session.
      await page.goto("/payment/new");
      await page.getByLabel("Amount (Rp)").fill("150000");
      await page.getByLabel("Method").selectOption("briva");
      await page.getByLabel("Description (optional)").fill("E2E order");
      await page.getByRole("button", { name: "Create payment" }).click();
      await page.getByTestId("va-number").waitFor();
      assert.match(await page.getByTestId("va-number").textContent(), /^\d{8,}$/);
      await page.getByTestId("countdown").waitFor();
      // A reload keeps the session (and the page) through the cookie.
      await page.reload();
      await page.getByTestId("va-number").waitFor();

      const simulate = page.getByRole("button", { name: /Simulate customer payment/ });
      assert.ok(await simulate.count(), "the simulate button is missing: build the frontends with `npm run build:dev`");
      await simulate.click();
      await page.locator('[data-status="paid"]').waitFor({ timeout: 30_000 });
      assertNoProblems(page);
      await expectAccessible(page, "payment detail, paid");
      await screenshot(page, "01-payment-paid");
    });
    await page.context().close();
  });

  it("an admin finds and locks the user; the user's open page is sent to login", async () => {
    const userPage = await newPage(browser);
    const adminPage = await newPage(browser);
    await step(adminPage, "admin-lock", async () => {
      await loginUser(userPage, email, PASSWORD);
      await loginAdmin(adminPage);
      await adminPage.getByRole("link", { name: "Users" }).click();
      await adminPage.getByLabel("Email starts with").fill(email.slice(0, 18));
      await adminPage.getByRole("button", { name: "Search" }).click();
      await adminPage.getByRole("link", { name: email }).click();
      await adminPage.getByRole("button", { name: "Lock", exact: true }).click();
      await adminPage.getByRole("alertdialog", { name: "Lock this account?" }).getByRole("button", { name: "Lock account" }).click();
      await adminPage.getByTestId("user-status").filter({ hasText: "locked" }).waitFor();
      await expectAccessible(adminPage, "admin user detail, locked");
      await screenshot(adminPage, "02-admin-user-locked");

      // The user's next request (an in-app navigation that calls the API) lands on the login page.
      await userPage.getByRole("link", { name: "Sessions" }).click();
      await userPage.waitForURL(/\/auth\/login\?next=/, { timeout: 15_000 });
      await screenshot(userPage, "03-user-sent-to-login");

      // Unlock again so the following flows can sign in.
      await adminPage.getByRole("button", { name: "Unlock" }).click();
      await adminPage.getByRole("alertdialog", { name: "Unlock this account?" }).getByRole("button", { name: "Unlock account" }).click();
      await adminPage.getByTestId("user-status").filter({ hasText: "active" }).waitFor();
      assertNoProblems(adminPage);
    });
    await userPage.context().close();
    await adminPage.context().close();
  });

  it("a cancelled QR paid at BRI is flagged late, and an admin resolves the flag in the console", {
    skip: env.mock && "the mock gateway has no BRI simulator and no flag resolution",
  }, async () => {
    const userPage = await newPage(browser);
    const adminPage = await newPage(browser);
    const note = `Refunded at BRI, e2e ticket ${Date.now().toString(36)}`;
    const reason = "late_payment: paid while cancelled";
    let paymentId, token, flagged;
    await step(userPage, "flag-late-payment", async () => {
      await loginUser(userPage, email, PASSWORD);
      await userPage.goto("/payment/new");
      await userPage.getByLabel("Amount (Rp)").fill("25000");
      await userPage.getByLabel("Method").selectOption("qris");
      await userPage.getByRole("button", { name: "Create payment" }).click();
      await userPage.getByRole("img", { name: /QRIS code for/ }).waitFor();
      paymentId = /\/payment\/payments\/([0-9a-f-]{36})$/.exec(userPage.url())?.[1];
      assert.ok(paymentId, `no payment id in ${userPage.url()}`);
      await userPage.getByRole("button", { name: "Cancel payment" }).click();
      await userPage.getByRole("alertdialog", { name: "Cancel this payment?" }).getByRole("button", { name: "Cancel payment" }).click();
      await userPage.locator('[data-status="cancelled"]').waitFor();
      assert.equal(await userPage.getByRole("img", { name: /QRIS code for/ }).count(), 0, "a cancelled QR is no longer shown");

      // BRI.md has no call that withdraws a QR: the customer pays the cancelled one anyway, and BRI notifies us
      // through the gateway (token, then the signed QRIS notification) before the simulator answers.
      token = await adminToken();
      const before = await api("GET", `/api/admin/payments/${paymentId}`, { token });
      assert.equal(before.status, 200, JSON.stringify(before.data));
      assert.equal(before.data.flaggedReason, null);
      const paid = await payAtSimulator({ partnerReferenceNo: before.data.partnerReferenceNo });
      assert.equal(paid.notifications.length, 1, JSON.stringify(paid));
      assert.equal(paid.notifications[0].status, 200, JSON.stringify(paid.notifications[0]));
      assert.equal(paid.notifications[0].body.responseCode, "2005200");
      flagged = await api("GET", `/api/admin/payments/${paymentId}`, { token });
      assert.equal(flagged.data.flaggedReason, reason, "the notification flags the late payment");
      assert.equal(flagged.data.flagResolvedAt, null);
      // The money arrived too late: the payment stays cancelled for its owner.
      await userPage.reload();
      await userPage.locator('[data-status="cancelled"]').waitFor();
      assertNoProblems(userPage);
    });
    await step(adminPage, "flag-resolve", async () => {
      await loginAdmin(adminPage);
      await adminPage.getByRole("link", { name: "Payments", exact: true }).click();
      const showFlags = async (choice, param) => {
        await adminPage.getByLabel("Flagged", { exact: true }).selectOption({ label: choice });
        await Promise.all([
          adminPage.waitForResponse((r) => r.url().includes("/api/admin/payments?") && r.url().includes(`flagResolved=${param}`)),
          adminPage.getByRole("button", { name: "Filter" }).click(),
        ]);
        await adminPage.locator(".loading").waitFor({ state: "detached" }); // the list shows the new answer
      };
      const row = adminPage.getByRole("row").filter({ has: adminPage.getByRole("link", { name: paymentId }) });
      await showFlags("Flagged: open", "false");
      assert.equal(await row.count(), 1, "the late payment is on the open flags list");
      const rowText = await row.textContent();
      assert.match(rowText, /cancelled\s*flagged/);
      assert.ok(rowText.includes(flagged.data.userId), rowText);
      await row.getByRole("link", { name: paymentId }).click();

      await adminPage.getByText(`Flagged for review: ${reason}`).waitFor();
      assert.equal(await adminPage.getByRole("cell", { name: "late", exact: true }).count(), 1, "one late event");
      await adminPage.getByRole("button", { name: "Resolve flag" }).click();
      const dialog = adminPage.getByRole("alertdialog", { name: "Resolve this flag?" });
      await dialog.waitFor();
      await expectAccessible(adminPage, "admin payment detail, resolve flag dialog");
      await dialog.getByLabel("Resolution note").fill(note);
      await dialog.getByRole("button", { name: "Resolve flag" }).click();
      await adminPage.getByText("Flag resolved.", { exact: true }).waitFor();
      const resolution = adminPage.getByTestId("flag-resolution");
      const adminUsers = await api("GET", `/api/admin/users?emailPrefix=${encodeURIComponent(env.adminEmail)}`, { token });
      const adminId = adminUsers.data.items.find((u) => u.email === env.adminEmail.toLowerCase())?.id;
      assert.ok(adminId, `admin ${env.adminEmail} not found: ${JSON.stringify(adminUsers.data)}`);
      const text = await resolution.textContent();
      assert.ok(text.startsWith(`Flag resolved: ${reason}Resolved by ${adminId} at `) && text.endsWith(`: ${note}`), text);
      assert.equal(await adminPage.getByRole("button", { name: "Resolve flag" }).count(), 0, "no Resolve button once resolved");
      await expectAccessible(adminPage, "admin payment detail, flag resolved");
      await screenshot(adminPage, "03b-admin-flag-resolved");

      // The resolution is stored and changes neither the status nor the reason nor updatedAt.
      const after = await api("GET", `/api/admin/payments/${paymentId}`, { token });
      assert.equal(after.data.status, "cancelled");
      assert.equal(after.data.flaggedReason, reason);
      assert.equal(after.data.flagResolution, note);
      assert.equal(after.data.flagResolvedBy, adminId);
      assert.equal(after.data.updatedAt, flagged.data.updatedAt);

      await adminPage.getByRole("link", { name: "Back to payments" }).click();
      await showFlags("Flagged: open", "false");
      assert.equal(await row.count(), 0, "a resolved flag is off the open list");
      await showFlags("Flagged: resolved", "true");
      assert.equal(await row.count(), 1, "a resolved flag is on the resolved list");
      assert.match(await row.textContent(), /cancelled\s*flag resolved/);
      assertNoProblems(adminPage);
    });
    await userPage.context().close();
    await adminPage.context().close();
  });

  it("enables MFA with the QR code and signs in with a TOTP code", async () => {
    const page = await newPage(browser);
    await step(page, "mfa", async () => {
      await loginUser(page, email, PASSWORD);
      await page.getByRole("link", { name: "Two-factor" }).click();
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
      await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
      const secret = (await page.getByTestId("totp-secret").textContent()).trim();
      assert.match(secret, /^[A-Z2-7]{16,}=*$/);
      await page.getByLabel("Authentication code").fill(totp(secret));
      await page.getByRole("button", { name: "Enable" }).click();
      const codes = page.getByTestId("recovery-codes").locator("li");
      await codes.first().waitFor();
      assert.equal(await codes.count(), 10);
      await expectAccessible(page, "auth recovery codes");
      await screenshot(page, "04-mfa-recovery-codes");
      await page.getByRole("button", { name: "I saved them" }).click();
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.waitForURL(/\/auth\/login/);

      // Codes cannot be replayed inside their window: wait for the next one.
      await nextTotpWindow();
      await loginUser(page, email, PASSWORD, () => totp(secret));
      assertNoProblems(page);
      await screenshot(page, "05-mfa-signed-in");
    });
    await page.context().close();
  });

  it("an admin lowers the login rate limit and the login page shows the 429 message", async () => {
    const limit = 3;
    const adminPage = await newPage(browser);
    const page = await newPage(browser);
    await step(adminPage, "rate-limit", async () => {
      const login = await api("POST", "/api/admin/auth/login", { body: { email: env.adminEmail, password: env.adminPassword } });
      assert.equal(login.status, 200, `admin API login failed: ${JSON.stringify(login.data)}`);
      const before = await api("GET", "/api/admin/settings/rate-limits", { token: login.data.accessToken });
      assert.equal(before.status, 200, `GET settings/rate-limits: ${JSON.stringify(before.data)}`);
      originalRateLimits = before.data;

      await loginAdmin(adminPage);
      await adminPage.getByRole("link", { name: "Settings" }).click();
      await adminPage.getByRole("button", { name: "Save rules" }).waitFor();
      const groups = await adminPage.locator('select[name$=".routeGroup"]').evaluateAll((els) => els.map((el) => el.value));
      let index = groups.indexOf(env.loginRouteGroup);
      if (index < 0) {
        await adminPage.getByRole("button", { name: "Add rule" }).click();
        index = groups.length;
        await adminPage.locator(`select[name="rules.${index}.routeGroup"]`).selectOption(env.loginRouteGroup);
      }
      await adminPage.locator(`select[name="rules.${index}.scope"]`).selectOption("ip");
      await adminPage.locator(`input[name="rules.${index}.limit"]`).fill(String(limit));
      await adminPage.locator(`input[name="rules.${index}.windowSeconds"]`).fill("60");
      const enabled = adminPage.getByRole("group", { name: `Rule ${index + 1}` }).getByLabel("Enabled");
      if (!(await enabled.isChecked())) await enabled.check();
      await adminPage.getByRole("button", { name: "Save rules" }).click();
      await adminPage.getByText("Rate limits saved.").waitFor();
      await expectAccessible(adminPage, "admin settings, rate limits saved");
      await screenshot(adminPage, "06-admin-rate-limit-saved");

      await sleep(2_500); // the gateway applies new rules within 2 s
      await page.goto("/auth/login");
      let message = "";
      for (let attempt = 1; attempt <= limit + 2; attempt += 1) {
        await page.getByLabel("Email").fill(uniqueEmail("e2e-nobody"));
        await page.getByLabel("Password").fill("wrong-password-123");
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/auth/login") && r.request().method() === "POST"),
          page.getByRole("button", { name: "Sign in" }).click(),
        ]);
        const alert = page.getByRole("alert").first();
        if (response.status() === 429) await alert.filter({ hasText: /Try again in/ }).waitFor();
        else await alert.waitFor();
        message = (await alert.textContent()) ?? "";
        if (/Try again in \d+ s/.test(message)) break;
      }
      assert.match(message, /Too many attempts\. Try again in \d+ s\./);
      await expectAccessible(page, "auth login, rate limited");
      await screenshot(page, "07-login-rate-limited");
      assertNoProblems(page);
    });
    await adminPage.context().close();
    await page.context().close();
  });
});
