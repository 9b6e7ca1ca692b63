import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// One Vitest process for all four workspaces (the root `npm test`): one worker pool instead of
// four runners. Each project keeps its own config.
export default defineConfig({
  test: {
    projects: [
      here("./vitest.config.ts"),
      here("../KAuthApp/frontend/vite.config.ts"),
      here("../KSysPayment/frontend/vite.config.ts"),
      here("../KSysAdmin/frontend/vite.config.ts"),
    ],
  },
});
