export * from "./errors";
export * from "./tokens";
export * from "./api";
export * from "./router";
export * from "./components";
export * from "./form";
export * from "./confirmDialog";
export * from "./errorBoundary";
export * from "./layout";
export * from "./format";
export * from "./validation";
export * from "./pageCache";
export * from "./signOut";
export * from "./paging";
export * from "./userSession";
import { isApiError } from "./errors";

export function serverFieldErrors(error: unknown): Record<string, string> {
  return isApiError(error) && error.status === 422 ? error.fieldErrors() : {};
}

export function devToolsEnabled(): boolean {
  return import.meta.env.DEV || import.meta.env.VITE_DEV_TOOLS === "1" || import.meta.env.VITE_DEV_TOOLS === "true";
}
export * from "./serverClock";
