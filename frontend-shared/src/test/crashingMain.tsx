import { act } from "@testing-library/react";
import { vi } from "vitest";

// Runs an app's main.tsx (whose App the caller mocked to throw) and returns its #root element.
export async function mountCrashingMain(importMain: () => Promise<unknown>): Promise<HTMLElement> {
  const root = document.createElement("div");
  root.id = "root";
  document.body.append(root);
  const quiet = vi.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    await act(async () => {
      await importMain();
    });
  } finally {
    quiet.mockRestore();
  }
  return root;
}

export function CrashingApp(): never {
  throw new Error("render failed");
}
