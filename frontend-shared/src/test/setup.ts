import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { serverClock } from "../serverClock";

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  serverClock.reset();
});
