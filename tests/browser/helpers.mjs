// Shared helpers for the browser end-to-end tests (Playwright driving Debian's Chromium).
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const ARTIFACTS = join(ROOT, "test-artifacts");

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the browser tests need it (see docs/frontend.md).`);
  return value;
}

export const env = {
  get gateway() {
    return required("GATEWAY_URL").replace(/\/+$/, "");
  },
  get outbox() {
    return required("MAIL_OUTBOX_DIR");
  },
  get adminEmail() {
    return required("E2E_ADMIN_EMAIL");
  },
  get adminPassword() {
    return required("E2E_ADMIN_PASSWORD");
  },
  // The BRI simulator's own dev routes (/simulator/*), reached directly as KSysPayment's tests do: its URL, or
  // the test stack's TEST_BRI_PORT that scripts/test.sh exports.
  get simulator() {
    const port = process.env.TEST_BRI_PORT;
    return (process.env.BRI_SIMULATOR_URL ?? (port ? `http://127.0.0.1:${port}` : required("BRI_SIMULATOR_URL"))).replace(/\/+$/, "");
  },
  // Set by runWithMock.mjs: the mock gateway has no BRI simulator, so flows that need one are skipped, visibly.
  mock: process.env.E2E_MOCK_GATEWAY === "1",
  loginRouteGroup: process.env.E2E_LOGIN_ROUTE_GROUP ?? "auth-login",
  chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
};

// Playwright gives every launch a fresh temporary profile (the --user-data-dir equivalent).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

// A page that fails the test on CSP violations, uncaught errors and native dialogs.
export async function newPage(browser) {
  const context = await browser.newContext({ baseURL: env.gateway, viewport: { width: 1200, height: 900 } });
  return watched(await context.newPage());
}

// Another tab of the same browser (context): it shares the cookies and the tabs' BroadcastChannel with `page`.
export async function newTab(page) {
  return watched(await page.context().newPage());
}

function watched(page) {
  page.problems = [];
  page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
  // Confirmations are in-page dialogs; a native alert/confirm/prompt is a bug.
  page.on("dialog", (dialog) => {
    page.problems.push(`native ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    const text = message.text();
    if (message.type() === "error" && /Content Security Policy|Refused to/i.test(text)) page.problems.push(`csp: ${text}`);
  });
  page.setDefaultTimeout(15_000);
  return page;
}

export function assertNoProblems(page) {
  if (page.problems.length) throw new Error(`Browser problems:\n${page.problems.join("\n")}`);
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// ----- Sign-in through the pages -----

// The user app's login; `code` (or a function giving one when asked) answers the second factor.
export async function loginUser(page, email, password, code) {
  await page.goto("/auth/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (code) {
    await page.getByLabel("Authentication code").fill(typeof code === "function" ? code() : code);
    await page.getByRole("button", { name: "Verify" }).click();
  }
  await page.getByTestId("profile-email").waitFor();
}

// Registers through the user app's pages and opens the verification link the mail carries.
export async function registerThroughPages(page, email, password) {
  await page.goto("/auth/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByText("We sent a verification link").waitFor();
  await page.goto(await waitForMailLink(email, "/auth/verify-email"));
  await page.getByText("Your email address is verified.").waitFor();
}

// The admin console's login as the E2E superadmin.
export async function loginAdmin(page) {
  await page.goto("/admin/login");
  await page.getByLabel("Email").fill(env.adminEmail);
  await page.getByLabel("Password").fill(env.adminPassword);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: /Dashboard/ }).waitFor();
}

export function uniqueEmail(prefix = "e2e") {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@example.com`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ----- Mail outbox (.eml files written by the file mailer) -----

function decodeQuotedPrintable(text) {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

// Returns the decoded text of every part of a MIME message (good enough for our mailer's output).
export function emlText(raw) {
  const texts = [];
  const walk = (chunk) => {
    const split = chunk.search(/\r?\n\r?\n/);
    const headers = split >= 0 ? chunk.slice(0, split) : chunk;
    const body = split >= 0 ? chunk.slice(split).replace(/^\r?\n\r?\n/, "") : "";
    const unfolded = headers.replace(/\r?\n[ \t]+/g, " ");
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(unfolded);
    if (/content-type:\s*multipart\//i.test(unfolded) && boundary) {
      for (const part of body.split(`--${boundary[1]}`).slice(1)) {
        if (part.startsWith("--")) break;
        walk(part.replace(/^\r?\n/, ""));
      }
      return;
    }
    const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(unfolded)?.[1]?.toLowerCase();
    if (encoding === "base64") texts.push(Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8"));
    else if (encoding === "quoted-printable") texts.push(decodeQuotedPrintable(body));
    else texts.push(body);
    texts.push(unfolded);
  };
  walk(raw);
  return texts.join("\n");
}

// Waits for a mail to `email` whose text contains a link to `path`, and returns that link's path+query.
export async function waitForMailLink(email, path, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`(?:https?://[^\\s"'<>]+)?(${path.replace(/[/?]/g, "\\$&")}\\?token=[A-Za-z0-9._~%-]+)`);
  while (Date.now() < deadline) {
    let files = [];
    try {
      files = readdirSync(env.outbox)
        // The outbox writes .tmp-*.eml and renames it: only finished mails count.
        .filter((name) => name.endsWith(".eml") && !name.startsWith("."))
        .map((name) => join(env.outbox, name))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    } catch {
      files = [];
    }
    for (const file of files) {
      let text;
      try {
        text = emlText(readFileSync(file, "utf8"));
      } catch {
        continue; // renamed or removed since the listing
      }
      if (!text.toLowerCase().includes(email.toLowerCase())) continue;
      const match = pattern.exec(text);
      if (match) return match[1].replace(/&amp;/g, "&");
    }
    await sleep(250);
  }
  throw new Error(`No mail with a ${path} link for ${email} in ${env.outbox} after ${timeoutMs} ms`);
}

// ----- TOTP (RFC 6238, SHA-1, 6 digits, 30 s) -----

function base32Decode(input) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = input.toUpperCase().replace(/=+$/, "").replace(/\s+/g, "");
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`Invalid base32 character ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function totp(secret, timeMs = Date.now(), step = 30) {
  const counter = Math.floor(timeMs / 1000 / step);
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac("sha1", base32Decode(secret)).update(buffer).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

// Waits until the next TOTP window starts, so a fresh code is never a replay of the last one.
export async function nextTotpWindow(step = 30) {
  const msIntoWindow = Date.now() % (step * 1000);
  await sleep(step * 1000 - msIntoWindow + 300);
}

// ----- Direct API calls (setup and clean-up only; the flows themselves go through the pages) -----

export async function api(method, path, { body, token } = {}) {
  const response = await fetch(`${env.gateway}${path}`, {
    method,
    headers: {
      Accept: "application/json",
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  return { status: response.status, data };
}

// A superadmin's access token from the admin API (setup and checks only).
export async function adminToken() {
  const login = await api("POST", "/api/admin/auth/login", { body: { email: env.adminEmail, password: env.adminPassword } });
  if (login.status !== 200) throw new Error(`admin API login failed: ${login.status} ${JSON.stringify(login.data)}`);
  return login.data.accessToken;
}

// The simulator's POST /simulator/pay: BRI records the payment, then calls our token and notify endpoints through
// the gateway before answering. Returns the simulator's answer, which holds each notification's status and body.
export async function payAtSimulator(body) {
  const response = await fetch(`${env.simulator}/simulator/pay`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`simulator /simulator/pay answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

// Runs one step of a flow; the page must show no console error or failed request after it. A failure leaves a
// screenshot named after the step.
export async function step(page, name, fn) {
  try {
    await fn();
    assertNoProblems(page);
  } catch (error) {
    await screenshot(page, `${name}-failure`).catch(() => undefined);
    throw error;
  }
}
