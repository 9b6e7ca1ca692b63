// axe-core in the browser tests: expectAccessible runs its WCAG 2.1 A/AA rules and best practices on the page as it is.
// A serious or critical violation fails the test; every violation found (moderate and minor ones too) is written to
// test-artifacts/axe-report.json, and the moderate and minor ones are listed on the output.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ARTIFACTS } from "./helpers.mjs";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const FAILING = new Set(["serious", "critical"]);
const report = [];

function describeViolation({ id, impact, help, nodes }) {
  return `${impact} ${id} (${help}):\n${nodes.map((node) => `    ${node.target.join(" ")}: ${node.summary}`).join("\n")}`;
}

export async function expectAccessible(page, state) {
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id, impact, help, nodes: nodes.map((node) => ({ target: node.target.map(String), summary: node.failureSummary ?? "" })),
    }));
  }, TAGS);
  if (violations.length) {
    report.push({ state, url: page.url(), violations });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "axe-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  }
  const failing = violations.filter((violation) => FAILING.has(violation.impact));
  for (const violation of violations.filter((v) => !FAILING.has(v.impact))) console.log(`axe, ${state}: ${describeViolation(violation)}`);
  if (failing.length) throw new Error(`axe, ${state} (${page.url()}):\n${failing.map(describeViolation).join("\n")}`);
}
