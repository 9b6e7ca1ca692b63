// The accessibility walk (imported by flows.test.mjs): axe on every page of the three apps and on their significant
// states (signed out, forms with their errors shown, signed-in pages, lists, details, open confirmation dialogs).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { expectAccessible } from "./axe.mjs";
import { api, assertNoProblems, env, launchBrowser, loginAdmin, loginUser, newPage, screenshot, uniqueEmail, waitForMailLink } from "./helpers.mjs";

const PASSWORD = "Kservices-a11y-Passphrase-42";

// A verified account, made through the API (setup only).
async function registerVerified(email) {
  const registered = await api("POST", "/api/auth/register", { body: { email, password: PASSWORD } });
  assert.ok(registered.status < 300, `register: ${registered.status} ${JSON.stringify(registered.data)}`);
  const link = await waitForMailLink(email, "/auth/verify-email");
  const token = new URL(link, env.gateway).searchParams.get("token");
  const verified = await api("POST", "/api/auth/verify-email", { body: { token } });
  assert.equal(verified.status, 200, JSON.stringify(verified.data));
}

// Opens a ConfirmButton's dialog, checks the page with it open, and cancels it with Escape: focus returns to the button.
async function checkDialog(page, buttonName, dialogName, state) {
  const button = page.getByRole("button", { name: buttonName, exact: true });
  await button.click();
  await page.getByRole("alertdialog", { name: dialogName }).waitFor();
  await expectAccessible(page, state);
  await page.keyboard.press("Escape");
  await page.getByRole("alertdialog").waitFor({ state: "detached" });
  assert.ok(await button.evaluate((element) => element === document.activeElement), `${state}: focus returns to "${buttonName}"`);
}

async function heading(page, name) {
  await page.getByRole("heading", { name, exact: true, level: 1 }).waitFor();
}

async function run(page, name, fn) {
  try {
    await fn();
    assertNoProblems(page);
  } catch (error) {
    await screenshot(page, `a11y-${name}-failure`).catch(() => undefined);
    throw error;
  } finally {
    await page.context().close();
  }
}

describe("Accessibility (axe, WCAG 2.1 AA)", { concurrency: false }, () => {
  let browser;
  const email = uniqueEmail("e2e-a11y");

  before(async () => {
    browser = await launchBrowser();
    await registerVerified(email);
  });

  after(async () => {
    await browser?.close();
  });

  it("account app: signed out, its forms with errors, and signed in", async () => {
    const page = await newPage(browser);
    await run(page, "auth", async () => {
      await page.goto("/auth/login");
      await heading(page, "Sign in");
      await expectAccessible(page, "auth login");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Enter your email address.").waitFor();
      await expectAccessible(page, "auth login, fields refused");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill("not-the-password-1");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").waitFor();
      await expectAccessible(page, "auth login, wrong password");

      await page.goto("/auth/register");
      await heading(page, "Create an account");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.locator(".field-error").first().waitFor();
      await expectAccessible(page, "auth register, fields refused");
      await page.goto("/auth/forgot-password");
      await heading(page, "Reset your password");
      await expectAccessible(page, "auth forgot password");
      await page.getByLabel("Email").fill(uniqueEmail("e2e-nobody"));
      await page.getByRole("button", { name: "Send reset link" }).click();
      // The mock gateway has no password reset: its refusal is checked there instead.
      await page.getByText("If an account exists").or(page.getByRole("alert")).waitFor();
      await expectAccessible(page, "auth forgot password, answered");
      await page.goto("/auth/reset-password");
      await heading(page, "Choose a new password");
      await expectAccessible(page, "auth reset password without a token");
      await page.goto("/auth/reset-password?token=not-a-real-token");
      await page.getByRole("button", { name: "Set new password" }).click();
      await page.locator(".field-error").first().waitFor();
      await expectAccessible(page, "auth reset password, fields refused");
      await page.goto("/auth/verify-email");
      await heading(page, "Verify your email");
      await expectAccessible(page, "auth verify email without a token");
      await page.goto("/auth/account-deleted");
      await heading(page, "Your account has been deleted");
      await expectAccessible(page, "auth account deleted");

      await loginUser(page, email, PASSWORD);
      await expectAccessible(page, "auth profile");
      await page.getByLabel("Phone number").fill("not a phone");
      await page.getByRole("button", { name: "Save profile" }).click();
      await page.getByText(/Enter a phone number like/).waitFor();
      await expectAccessible(page, "auth profile, phone refused");
      // The profile's Delete account section: its password refused, then its confirmation dialog, cancelled.
      const deletion = page.getByRole("form", { name: "Delete account" });
      await deletion.getByRole("button", { name: "Delete account", exact: true }).click();
      await deletion.getByText("Enter your password.").waitFor();
      await expectAccessible(page, "auth profile, delete account password refused");
      await deletion.getByLabel("Password").fill(PASSWORD);
      await checkDialog(page, "Delete account", "Delete your account for good?", "auth profile, delete account dialog");
      for (const [link, title] of [["Password", "Change password"], ["Sessions", "Your sessions"], ["Two-factor", "Two-factor authentication"]]) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await heading(page, title);
        await page.locator(".loading").waitFor({ state: "detached" });
        await expectAccessible(page, `auth ${title}`);
      }
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
      await page.getByRole("img", { name: "QR code for your authenticator app" }).waitFor();
      await expectAccessible(page, "auth two-factor setup, QR code");
      await page.getByRole("link", { name: "Sessions", exact: true }).click();
      await page.getByRole("table").waitFor();
      await checkDialog(page, "Sign out of all sessions", "Sign out of all sessions?", "auth sessions, sign-out-everywhere dialog");
      await page.goto("/auth/nowhere");
      await heading(page, "Page not found");
      await expectAccessible(page, "auth page not found");
    });
  });

  it("payment app: list, new payment with errors, BRIVA and QRIS details, cancel dialog", async () => {
    const page = await newPage(browser);
    await run(page, "payment", async () => {
      await loginUser(page, email, PASSWORD);
      await page.goto("/payment/");
      await heading(page, "My payments");
      await page.getByText("You have no payments yet.").waitFor();
      await expectAccessible(page, "payment list, empty");
      await page.getByRole("link", { name: "New payment" }).first().click();
      await heading(page, "New payment");
      await page.getByRole("button", { name: "Create payment" }).click();
      await page.getByText("Enter an amount in rupiah.").waitFor();
      await expectAccessible(page, "payment new, amount refused");
      for (const method of ["briva", "qris"]) {
        await page.goto("/payment/new");
        await page.getByLabel("Amount (Rp)").fill("150000");
        await page.getByLabel("Method").selectOption(method);
        await page.getByRole("button", { name: "Create payment" }).click();
        await page.getByTestId("countdown").waitFor();
        if (method === "qris") await page.getByRole("img", { name: /QRIS code for/ }).waitFor();
        await expectAccessible(page, `payment detail, pending ${method}`);
      }
      await checkDialog(page, "Cancel payment", "Cancel this payment?", "payment detail, cancel dialog");
      await page.getByRole("button", { name: "Cancel payment" }).click();
      await page.getByRole("alertdialog").getByRole("button", { name: "Cancel payment" }).click();
      await page.locator('[data-status="cancelled"]').waitFor();
      await expectAccessible(page, "payment detail, cancelled");
      await page.getByRole("link", { name: "Back to my payments" }).click();
      await page.getByRole("table").waitFor();
      await expectAccessible(page, "payment list, two payments");
      await page.goto("/payment/payments/00000000-0000-7000-8000-000000000000");
      await page.getByRole("alert").waitFor();
      await expectAccessible(page, "payment detail, not found");
      await page.goto("/payment/nowhere");
      await heading(page, "Page not found");
      await expectAccessible(page, "payment page not found");
    });
  });

  it("admin console: login with an error, dashboard, users, user detail, audit log, payments, settings", async () => {
    const page = await newPage(browser);
    await run(page, "admin", async () => {
      await page.goto("/admin/login");
      await heading(page, "Administrator sign in");
      await expectAccessible(page, "admin login");
      await page.getByLabel("Email").fill(env.adminEmail);
      await page.getByLabel("Password").fill("not-the-password-1");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").waitFor();
      await expectAccessible(page, "admin login, wrong password");

      await loginAdmin(page);
      await page.locator("figure").first().waitFor();
      await page.locator("summary").first().click();
      await expectAccessible(page, "admin dashboard, one chart's table open");
      await page.getByRole("link", { name: "Users" }).click();
      await heading(page, "Users");
      await page.getByLabel("Email starts with").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: email }).waitFor();
      await expectAccessible(page, "admin users");
      await page.getByRole("link", { name: email }).click();
      await heading(page, email);
      await expectAccessible(page, "admin user detail");
      await checkDialog(page, "Lock", "Lock this account?", "admin user detail, lock dialog");
      await page.getByRole("link", { name: "Audit log" }).click();
      await heading(page, "Audit log");
      await page.locator(".loading").waitFor({ state: "detached" });
      await expectAccessible(page, "admin audit log");
      await page.getByRole("link", { name: "Payments", exact: true }).click();
      await heading(page, "Payments");
      const paymentLink = page.locator("td.mono a").first();
      await paymentLink.waitFor();
      await expectAccessible(page, "admin payments");
      await paymentLink.click();
      await page.getByRole("heading", { name: "Events" }).waitFor();
      await expectAccessible(page, "admin payment detail");
      await page.getByRole("link", { name: "Settings" }).click();
      await page.getByRole("button", { name: "Save rules" }).waitFor();
      await expectAccessible(page, "admin settings");
      const origins = page.getByLabel("Allowed origins (one per line)");
      await origins.fill("not an origin");
      await page.getByRole("button", { name: "Save origins" }).click();
      await page.getByText(/is not an origin like/).waitFor();
      await expectAccessible(page, "admin settings, origin refused");

      // A narrow screen, where the tables scroll sideways.
      await page.setViewportSize({ width: 360, height: 800 });
      for (const [link, title] of [["Audit log", "Audit log"], ["Users", "Users"], ["Payments", "Payments"]]) {
        await page.getByRole("link", { name: link, exact: true }).click();
        await heading(page, title);
        await page.locator(".loading").waitFor({ state: "detached" });
        await expectAccessible(page, `admin ${title}, narrow screen`);
      }
      await page.getByRole("link", { name: "Users", exact: true }).click();
      await page.getByLabel("Email starts with").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByRole("link", { name: email }).click();
      await page.getByRole("heading", { name: "Sessions", level: 2 }).waitFor();
      await expectAccessible(page, "admin user detail, narrow screen");

      // The admin token ended (answered here by the browser): the page stays, under the sign-in dialog.
      await page.route("**/api/admin/audit-logs?**", (route) => route.fulfill({
        status: 401, contentType: "application/json",
        body: JSON.stringify({ error: { code: "invalid_token", message: "Token expired", requestId: "a11y", details: [] } }),
      }));
      await page.getByRole("link", { name: "All audit entries for this user" }).click();
      await page.getByRole("dialog", { name: "Your admin session ended" }).waitFor();
      await expectAccessible(page, "admin session ended, sign-in dialog");
    });
  });
});
