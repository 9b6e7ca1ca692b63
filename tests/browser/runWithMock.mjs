// Runs the browser tests against tests/browser/mockGateway.mjs (no backend needed).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockGateway } from "./mockGateway.mjs";

const outbox = mkdtempSync(join(tmpdir(), "kservices-outbox-"));
const { server, port, admin } = await startMockGateway({ outbox });
const child = spawn(process.execPath, ["--test", "--test-concurrency=1", fileURLToPath(new URL("./flows.test.mjs", import.meta.url))], {
  stdio: "inherit",
  env: { ...process.env, GATEWAY_URL: `http://127.0.0.1:${port}`, MAIL_OUTBOX_DIR: outbox, E2E_ADMIN_EMAIL: admin.email, E2E_ADMIN_PASSWORD: admin.password, E2E_MOCK_GATEWAY: "1" },
});
child.on("exit", (code) => {
  server.close();
  process.exit(code ?? 1);
});
