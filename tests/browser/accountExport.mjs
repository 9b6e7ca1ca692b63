// "Download your data" (imported by flows.test.mjs): a new user signs in, downloads the data export from the profile,
// and the saved file is the account's pretty-printed JSON, naming its email and the session it was downloaded in.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { expectAccessible } from "./axe.mjs";
import { launchBrowser, loginUser, newPage, registerThroughPages, screenshot, step, uniqueEmail } from "./helpers.mjs";

const PASSWORD = "Kservices-export-Passphrase-42";

describe("Data export", { concurrency: false }, () => {
  let browser;

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  it("downloads the account's data from the profile as a JSON file holding its email and current session", async () => {
    const page = await newPage(browser);
    const email = uniqueEmail("e2e-export");
    await step(page, "export-data", async () => {
      await registerThroughPages(page, email, PASSWORD);
      await loginUser(page, email, PASSWORD);
      const section = page.locator("section", { has: page.getByRole("heading", { name: "Your data", level: 2 }) });
      const [download, request] = await Promise.all([
        page.waitForEvent("download"),
        page.waitForRequest((r) => r.url().endsWith("/api/auth/me/export")),
        section.getByRole("button", { name: "Download your data" }).click(),
      ]);
      assert.equal(request.method(), "GET");
      assert.match(request.headers().authorization ?? "", /^Bearer \S+$/);
      assert.equal(await download.failure(), null);
      const text = readFileSync(await download.path(), "utf8");
      const data = JSON.parse(text);
      assert.equal(text, `${JSON.stringify(data, null, 2)}\n`, "the file is the answer, pretty-printed");
      // The name the server gives: the export's (UTC) date.
      const name = download.suggestedFilename();
      assert.equal(name, `kservices-data-${data.exportedAt.slice(0, 10)}.json`);
      assert.equal(data.account.email, email);
      assert.deepEqual(data.truncated, { sessions: false, payments: false, activity: false });
      assert.deepEqual(data.payments, []);

      const notice = section.getByRole("status");
      await notice.filter({ hasText: `Your data was downloaded as ${name}.` }).waitFor();
      assert.ok(await notice.evaluate((element) => element === document.activeElement), "focus is on the notice");
      await expectAccessible(page, "auth profile, data downloaded");
      await screenshot(page, "11-data-downloaded");

      // The one sign-in's session is in the file, not ended: the sessions page's current one.
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith("/api/auth/sessions") && r.request().method() === "GET"),
        page.getByRole("link", { name: "Sessions" }).click(),
      ]);
      const current = (await answer.json()).sessions.find((session) => session.current);
      assert.ok(current, "the sessions page lists the current session");
      assert.equal(data.sessions.length, 1, JSON.stringify(data.sessions));
      assert.equal(data.sessions[0].id, current.id);
      assert.equal(data.sessions[0].revokedAt, null);
    });
    await page.context().close();
  });
});
