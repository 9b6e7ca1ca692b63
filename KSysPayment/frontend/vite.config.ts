import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/payment/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
  },
  server: {
    proxy: { "/api": { target: gateway, changeOrigin: false } },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["../../frontend-shared/src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
