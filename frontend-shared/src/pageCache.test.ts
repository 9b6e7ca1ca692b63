import { afterEach, describe, expect, it, vi } from "vitest";
import { reloadWhenRestoredFromCache } from "./pageCache";

const transition = (type: "pagehide" | "pageshow", persisted: boolean) => window.dispatchEvent(new PageTransitionEvent(type, { persisted }));

describe("reloadWhenRestoredFromCache", () => {
  let uninstall: () => void = () => undefined;
  afterEach(() => {
    uninstall();
    document.documentElement.style.visibility = "";
  });

  it("reloads a page restored from the back/forward cache, and only then", () => {
    const reload = vi.fn();
    uninstall = reloadWhenRestoredFromCache(reload);
    transition("pageshow", false);
    expect(reload).not.toHaveBeenCalled();
    transition("pageshow", true);
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it("hides a page as it goes into the cache, so its old content is not shown before the reload", () => {
    uninstall = reloadWhenRestoredFromCache(vi.fn());
    transition("pagehide", false);
    expect(document.documentElement.style.visibility).toBe("");
    transition("pagehide", true);
    expect(document.documentElement.style.visibility).toBe("hidden");
  });

  it("stops listening when uninstalled", () => {
    const reload = vi.fn();
    reloadWhenRestoredFromCache(reload)();
    transition("pageshow", true);
    expect(reload).not.toHaveBeenCalled();
  });
});
